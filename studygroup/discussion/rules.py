"""Who may see and do what in a question's discussion: answer-first, locking, hiding.

Every view, fragment, feed, e-mail and export that shows a post asks here; nothing else
decides it. ``standing`` is one member's position in one question's discussion, worked out
once a request; ``shown`` is what a viewer sees of one post.
"""

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Q

from content.models import Question
from studygroup.core.errors import Refused
from studygroup.groups.models import Membership, StudyGroup

from .models import Answer, Comment, Discussion


class DiscussionError(Refused):
    """A post the rules refuse; the message says why."""


def answer_first_applies(
    group: StudyGroup, membership: Membership, discussion: Discussion | None
) -> bool:
    """Whether this member must answer before seeing others' answers: the question's own
    setting if it has one, else the group's; never for facilitators, and never on a locked
    question (nobody can answer it any more, so its discussion is open to every member)."""
    if membership.is_facilitator or (discussion is not None and discussion.locked):
        return False
    if discussion is not None and discussion.answer_first is not None:
        return discussion.answer_first
    return group.answer_first


@dataclass
class Standing:
    """One member's standing in one question's discussion."""

    group: StudyGroup
    question: Question
    membership: Membership
    discussion: Discussion | None  # the group's settings row for the question, if any

    @property
    def locked(self) -> bool:
        return bool(self.discussion and self.discussion.locked)

    @cached_property
    def answer_first(self) -> bool:
        return answer_first_applies(self.group, self.membership, self.discussion)

    @cached_property
    def my_answer(self) -> Answer | None:
        """The member's own live answer: the one question "has this member answered?"."""
        return Answer.objects.filter(
            group=self.group,
            question=self.question,
            author_id=self.membership.user_id,
            deleted__isnull=True,
        ).first()

    def knows_my_answer(self, answer: Answer | None) -> None:
        """Tell it the member's answer (or that there is none) from a query that would have
        found it, saving the query ``my_answer`` makes."""
        self.__dict__["my_answer"] = answer if answer and not answer.is_deleted else None

    @property
    def answered(self) -> bool:
        return self.my_answer is not None

    @property
    def sees_others(self) -> bool:
        """Whether the member may read the others' answers (and their threads)."""
        return not self.answer_first or self.answered

    def may_see(self, answer: Answer) -> bool:
        return answer.author_id == self.membership.user_id or self.sees_others

    def visible(self, answers):
        """The SQL face of ``may_see``: an answer queryset cut to what the member may read."""
        if self.sees_others:
            return answers
        return answers.filter(author_id=self.membership.user_id)

    def check_may_post(self) -> None:
        if self.locked:
            raise DiscussionError("This question is locked: no new posts.")

    def check_may_comment(self) -> None:
        self.check_may_post()
        if not self.sees_others:
            raise DiscussionError("Post your own answer first; then you can join the discussion.")


def standing(membership: Membership, question: Question) -> Standing:
    """The member's standing on the question, computed once: the membership object lives
    as long as the request, so it carries the memo."""
    memo = membership.__dict__.setdefault("_standings", {})
    if question.pk not in memo:
        discussion = Discussion.objects.filter(group_id=membership.group_id, question=question)
        memo[question.pk] = Standing(membership.group, question, membership, discussion.first())
    return memo[question.pk]


def forget_standing(membership: Membership, question: Question) -> None:
    """After a write that changes it (an answer posted, a lock), ask again."""
    membership.__dict__.get("_standings", {}).pop(question.pk, None)


@dataclass(frozen=True, slots=True)
class Shown:
    """What a viewer sees of a post: its text or not, and a line saying why."""

    text: bool
    notice: str


def shown(
    *, deleted: bool, hidden: bool, hidden_reason: str, author_id: int | None, viewer: Membership
) -> Shown:
    """A deleted post is a placeholder for everyone; a hidden one for all but its author
    and the facilitators, who see it with the reason."""
    if deleted:
        return DELETED
    if hidden:
        if viewer.is_facilitator or author_id == viewer.user_id:
            return Shown(True, f"Hidden by a facilitator: {hidden_reason}")
        return HIDDEN
    return VISIBLE


VISIBLE = Shown(True, "")
DELETED = Shown(False, "Deleted by its author.")
HIDDEN = Shown(False, "Hidden by a facilitator.")


def readable(viewer: Membership) -> Q:
    """The SQL face of ``shown``: posts whose text this viewer reads (for lists of excerpts)."""
    live = Q(deleted__isnull=True)
    if viewer.is_facilitator:
        return live
    return live & (Q(hidden__isnull=True) | Q(author_id=viewer.user_id))


def text_for(membership: Membership, post: Answer | Comment) -> str | None:
    """A post's words as this member may read them, for what leaves the page (an e-mail):
    ``None`` when answer-first still hides its answer from them, or it is deleted or hidden
    from them. Pages ask ``standing`` and ``shown`` for the same answer."""
    answer = post if isinstance(post, Answer) else post.answer
    if not standing(membership, answer.question).may_see(answer):
        return None
    seen = shown(
        deleted=post.is_deleted,
        hidden=post.hidden is not None,
        hidden_reason=post.hidden_reason,
        author_id=post.author_id,
        viewer=membership,
    )
    return post.body if seen.text and not seen.notice else None
