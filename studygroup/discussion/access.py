"""Finding a question or post for a member, on top of the group's access rule: 404 for
anything outside the group, and for answers answer-first still hides from this member; and
the paragraph of the group's text a margin is of."""

from collections.abc import Callable

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from content import compiled
from content.models import Paragraph, Question
from studygroup.groups.models import Membership, StudyGroup

from .models import Answer, Comment, Note
from .rules import standing


def question_for_group(group: StudyGroup, question_id: int) -> Question:
    """One of the group's questions (the text's own or its own); 404 for any other."""
    values: compiled.Values = {"group_id": group.pk, "text_id": group.text_id, "pk": question_id}
    question = compiled.one("group-question", _question, values)
    if question is None:
        raise Http404("No such question.")
    return question


def _question(group_id: int, text_id: int, pk: int) -> QuerySet[Question]:
    # The one definition (StudyGroup.questions), for the group these ids name.
    return StudyGroup(pk=group_id, text_id=text_id).questions().filter(pk=pk)


def answer_for_member(group: StudyGroup, membership: Membership, answer_id: int) -> Answer:
    """An answer of this group the member may see; 404 otherwise."""
    answer = _one("answer-for-member", _answer, group, answer_id)
    answer.group = group
    if not standing(membership, answer.question).may_see(answer):
        raise Http404("No such answer.")
    return answer


def comment_for_member(group: StudyGroup, membership: Membership, comment_id: int) -> Comment:
    """A comment in a thread the member may see; 404 otherwise."""
    comment = _one("comment-for-member", _comment, group, comment_id)
    comment.answer = answer_for_member(group, membership, comment.answer_id)
    return comment


def note_for_member(group: StudyGroup, note_id: int) -> Note:
    """A note in the margin of the group's text (every member reads them); 404 otherwise."""
    note = _one("note-for-member", _note, group, note_id)
    note.group = group
    return note


# A post's page or fragment loads the post first: each query compiled once (content.compiled).


def _one[P: Answer | Comment | Note](
    key: str, build: Callable[[int, int], QuerySet[P]], group: StudyGroup, pk: int
) -> P:
    """The group's post by its id, or 404."""
    post = compiled.one(key, build, {"group_id": group.pk, "pk": pk})
    if post is None:
        raise Http404("No such post.")
    return post


def _answer(group_id: int, pk: int) -> QuerySet[Answer]:
    return Answer.objects.select_related("question", "author").filter(group_id=group_id, pk=pk)


def _comment(group_id: int, pk: int) -> QuerySet[Comment]:
    related = Comment.objects.select_related("author", "parent__author")
    return related.filter(answer__group_id=group_id, pk=pk)


def _note(group_id: int, pk: int) -> QuerySet[Note]:
    related = Note.objects.select_related("author", "parent__author", "paragraph__chapter")
    return related.filter(group_id=group_id, pk=pk)


def paragraph_for_group(group: StudyGroup, number: int, position: int) -> Paragraph:
    """A paragraph of the group's text, by its reference (¶15.11); 404 for any other."""
    return get_object_or_404(
        Paragraph.objects.select_related("chapter"),
        chapter__text_id=group.text_id,
        chapter__number=number,
        position=position,
    )
