"""Facilitators' view of who has answered which question of a meeting."""

from studygroup.groups.models import Meeting, Membership, StudyGroup
from studygroup.groups.progress import ProgressTable

from .models import Answer


def answered_tables(group: StudyGroup, meetings: list[Meeting]) -> list[ProgressTable]:
    """Members against each meeting's questions, in two queries however many there are.

    ``meetings`` come with their questions prefetched (``with_assignments``).
    """
    members = list(Membership.objects.filter(group=group).by_name())
    answered = set(
        Answer.objects.filter(group=group, deleted__isnull=True).values_list(
            "author_id", "question_id"
        )
    )
    tables = []
    for meeting in meetings:
        questions = list(meeting.questions.all())
        table = ProgressTable(meeting, questions)
        for member in members:
            table.rows.append((member, [(member.user_id, q.pk) in answered for q in questions]))
        tables.append(table)
    return tables
