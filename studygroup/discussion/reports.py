"""Who has answered: facilitators' view of which member answered which question of a
meeting, and for everyone how many members answered each question."""

from collections.abc import Iterable

from django.db.models import Count, QuerySet

from content import compiled
from studygroup.groups.models import Meeting, Membership, StudyGroup
from studygroup.groups.progress import ProgressTable

from .models import Answer


def answered_tables(
    group: StudyGroup, meetings: list[Meeting], members: list[Membership]
) -> list[ProgressTable]:
    """Members against each meeting's questions, in two queries however many there are.

    ``meetings`` come with their questions prefetched (``with_assignments``); ``members``
    are the group's (``members_by_name``).
    """
    answered = set(compiled.rows("answered-in-group", _answered, {"group_id": group.pk}))
    tables = []
    for meeting in meetings:
        questions = list(meeting.questions.all())
        ids = [q.pk for q in questions]
        tables.append(
            ProgressTable.filled(meeting, questions, ids, members, answered, member_key="user_id")
        )
    return tables


def _answered(group_id: int) -> QuerySet[Answer, tuple[int, int]]:
    live = Answer.objects.filter(group_id=group_id, deleted__isnull=True)
    return live.values_list("author_id", "question_id")


def answered_counts(group: StudyGroup, question_ids: Iterable[int]) -> dict[int, int]:
    """How many members of the group answered each question (deleted answers left out),
    in one query however many questions; a question no one answered is not in it."""
    return dict(
        Answer.objects.filter(group=group, question_id__in=list(question_ids), deleted__isnull=True)
        .order_by()
        .values_list("question_id")
        .annotate(n=Count("pk"))
    )
