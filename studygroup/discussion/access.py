"""Finding a question or post for a member, on top of the group's access rule: 404 for
anything outside the group, and for answers answer-first still hides from this member; and
the paragraph of the group's text a margin is of."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from content.models import Paragraph, Question
from studygroup.groups.models import Membership, StudyGroup

from .models import Answer, Comment, Note
from .rules import standing


def question_for_group(group: StudyGroup, question_id: int) -> Question:
    """One of the group's questions (the text's own or its own); 404 for any other."""
    return get_object_or_404(group.questions(), pk=question_id)


def answer_for_member(group: StudyGroup, membership: Membership, answer_id: int) -> Answer:
    """An answer of this group the member may see; 404 otherwise."""
    answer = get_object_or_404(
        Answer.objects.select_related("question", "author"), group=group, pk=answer_id
    )
    answer.group = group
    if not standing(membership, answer.question).may_see(answer):
        raise Http404("No such answer.")
    return answer


def comment_for_member(group: StudyGroup, membership: Membership, comment_id: int) -> Comment:
    """A comment in a thread the member may see; 404 otherwise."""
    comment = get_object_or_404(
        Comment.objects.select_related("author", "parent__author"),
        answer__group=group,
        pk=comment_id,
    )
    comment.answer = answer_for_member(group, membership, comment.answer_id)
    return comment


def note_for_member(group: StudyGroup, note_id: int) -> Note:
    """A note in the margin of the group's text (every member reads them); 404 otherwise."""
    note = get_object_or_404(
        Note.objects.select_related("author", "parent__author", "paragraph__chapter"),
        group=group,
        pk=note_id,
    )
    note.group = group
    return note


def paragraph_for_group(group: StudyGroup, number: int, position: int) -> Paragraph:
    """A paragraph of the group's text, by its reference (¶15.11); 404 for any other."""
    return get_object_or_404(
        Paragraph.objects.select_related("chapter"),
        chapter__text_id=group.text_id,
        chapter__number=number,
        position=position,
    )
