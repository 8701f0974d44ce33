"""Who may see and do what in a question's discussion: answer-first, locking, hiding, and
what is new to a member since their last visit.

Every view, fragment, feed, e-mail and export that shows a post asks here; nothing else
decides it. ``standing`` is one member's position in one question's discussion, worked out
once a request; ``shown`` is what a viewer sees of one post; ``is_new`` whether it is news
to them, and ``new_counts`` how many such posts each question holds for them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from content import compiled
from content.models import Question
from studygroup.core.errors import Refused
from studygroup.groups.models import Membership, StudyGroup

from .models import Answer, AnyPost, Citation, Comment, Discussion, Note, Visit


class DiscussionError(Refused):
    """A post the rules refuse; the message says why."""


LOCKED = "This question is locked: no new posts."
LOCKED_NOTES = "The notes on this paragraph are locked: no new notes."


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
        # As ``sees_others`` says, but "answered?" (a query) only asked when it matters.
        return not self.answer_first or self.answered

    @cached_property
    def new_since(self) -> datetime | None:
        """When what is new to the member on this visit of the question begins: the visit
        before it (``Visit.previous_seen_at``; None on the first, when nothing is new). The
        question page learns it from the visit it records (``knows_new_since``); what it
        loads later on the same visit (more answers, more comments, a whole thread) reads
        it here, one query."""
        return (
            Visit.objects.filter(
                user_id=self.membership.user_id,
                group_id=self.group.pk,
                question_id=self.question.pk,
            )
            .values_list("previous_seen_at", flat=True)
            .first()
        )

    def knows_new_since(self, since: datetime | None) -> None:
        """Tell it the time ``services.visit_record`` gave back, saving ``new_since``'s query."""
        self.__dict__["new_since"] = since

    def may_see(self, answer: Answer) -> bool:
        return answer.author_id == self.membership.user_id or self.sees_others

    @property
    def only_author(self) -> int | None:
        """Whose answers alone the member may read (their own, until answer-first lets
        them see the others), or None for everyone's."""
        return None if self.sees_others else self.membership.user_id

    def visible(self, answers):
        """The SQL face of ``may_see``: an answer queryset cut to what the member may read."""
        author = self.only_author
        return answers if author is None else answers.filter(author_id=author)

    def check_may_post(self) -> None:
        if self.locked:
            raise DiscussionError(LOCKED)

    def check_may_comment(self) -> None:
        self.check_may_post()
        if not self.sees_others:
            raise DiscussionError("Post your own answer first; then you can join the discussion.")


def sees_others(
    group: StudyGroup, membership: Membership, discussion: Discussion | None, *, answered: bool
) -> bool:
    """``Standing.sees_others`` from its parts, for pages that weigh many questions at once."""
    return not answer_first_applies(group, membership, discussion) or answered


def standing(membership: Membership, question: Question) -> Standing:
    """The member's standing on the question, computed once: the membership object lives
    as long as the request, so it carries the memo."""
    memo = membership.__dict__.setdefault("_standings", {})
    if question.pk not in memo:
        discussion = _discussion(membership.group_id, question.pk)
        memo[question.pk] = Standing(membership.group, question, membership, discussion)
    return memo[question.pk]


def know_standings(memberships: Sequence[Membership], question: Question) -> None:
    """``standing`` for many members of one group at once (the readers of one post's
    e-mails): the question's settings and, where answer-first applies, the members' own
    answers, in two queries however many members, rather than up to two each."""
    if not memberships:
        return
    group = memberships[0].group
    discussion = _discussion(group.pk, question.pk)
    found = {m.pk: Standing(group, question, m, discussion) for m in memberships}
    asking = [s.membership.user_id for s in found.values() if s.answer_first]
    answers = {}
    if asking:
        live = Answer.objects.filter(group=group, question=question, deleted__isnull=True)
        answers = {a.author_id: a for a in live.filter(author_id__in=asking)}
    for membership in memberships:
        here = found[membership.pk]
        if here.answer_first:
            here.knows_my_answer(answers.get(membership.user_id))
        membership.__dict__.setdefault("_standings", {})[question.pk] = here


def _discussion(group_id: int, question_id: int) -> Discussion | None:
    """The group's settings row for the question, if it has one (compiled once)."""
    values: compiled.Values = {"group_id": group_id, "question_id": question_id}
    return next(iter(compiled.objects("discussion-settings", _settings, values)), None)


def _settings(group_id: int, question_id: int) -> QuerySet[Discussion]:
    return Discussion.objects.filter(group_id=group_id, question_id=question_id).order_by("pk")[:1]


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


def readable(viewer: Membership, prefix: str = "") -> Q:
    """The SQL face of ``shown``: posts whose text this viewer reads (for lists of excerpts);
    ``prefix`` ("answer__") for the posts a query reaches through a relation."""
    return readable_by(viewer.user_id, facilitator=viewer.is_facilitator, prefix=prefix)


def readable_by(user_id: int, *, facilitator: bool, prefix: str = "") -> Q:
    """``readable`` from the viewer's id and role (for a query built from values alone)."""
    live = Q(**{f"{prefix}deleted__isnull": True})
    if facilitator:
        return live
    return live & (Q(**{f"{prefix}hidden__isnull": True}) | Q(**{f"{prefix}author_id": user_id}))


def text_for(membership: Membership, post: AnyPost) -> str | None:
    """A post's words as this member may read them, for what leaves the page (an e-mail):
    ``None`` when answer-first still hides its answer from them, or it is deleted or hidden
    from them. Pages ask ``standing`` and ``shown`` for the same answer. A note in the margin
    is for every member of its group (answer-first is about answers)."""
    if not isinstance(post, Note):
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


# ---------------------------------------------------------------- what is new to a member


def is_new(
    *,
    created: datetime,
    author_id: int | None,
    deleted: bool,
    hidden: bool,
    viewer: Membership,
    since: datetime | None,
) -> bool:
    """Whether a post is news to the viewer: written after ``since`` (``Standing.new_since``)
    by someone else, and still there to read. Never on a first visit (``since`` None), never
    the viewer's own, never a deleted or hidden one (hidden even for the facilitators: one
    of them has dealt with it already)."""
    return (
        since is not None
        and created > since
        and author_id != viewer.user_id
        and not deleted
        and not hidden
    )


def _news(user_id: int, since) -> Q:
    """The SQL face of ``is_new`` for the member ``user_id`` (``since`` a time or an
    expression)."""
    return Q(created__gt=since, deleted__isnull=True, hidden__isnull=True) & ~Q(author_id=user_id)


def _count(rows: QuerySet) -> Subquery:
    """A correlated COUNT(*) of ``rows`` (0 when none), as a column of the outer query."""
    counted = rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def new_counts(membership: Membership, question_ids: Iterable[int]) -> dict[int, int]:
    """How many posts are new to the member on each of these questions since they last
    opened its page (a question they never opened has none, as its page would show none):
    the posts ``is_new`` would mark on it, and of others' answers and their threads only
    those the member may read (``Standing.may_see``: their own always, the others' when
    ``sees_others``, answer-first weighed for each question). Questions with nothing new are
    left out.

    One query, however many questions: each visit row with its counts and what answer-first
    needs (the question's settings, "has this member answered?") as subqueries.
    """
    values: compiled.Values = {
        "group_id": membership.group_id,
        "user_id": membership.user_id,
        "question_ids": sorted(question_ids),
    }
    counts = {}
    # Compiled once per number of questions (content.compiled): building it was most of a page.
    for question_id, others_answers, on_others, on_mine, *openness in compiled.rows(
        "new_counts", _new_counts_query, values
    ):
        count = on_mine
        if _is_open(membership, question_id, *openness):
            count += others_answers + on_others
        if count:
            counts[question_id] = count
    return counts


def _new_counts_query(group_id: int, user_id: int, question_ids: list[int]) -> QuerySet:
    at = dict(group_id=group_id, question_id=OuterRef("question_id"))
    news = _news(user_id, OuterRef("seen_at"))
    comments = Comment.objects.filter(
        news, answer__group_id=group_id, answer__question_id=OuterRef("question_id")
    )
    return (
        Visit.objects.filter(user_id=user_id, group_id=group_id, question_id__in=question_ids)
        .annotate(
            others_answers=_count(Answer.objects.filter(news, **at)),
            on_others=_count(comments.exclude(answer__author_id=user_id)),
            on_mine=_count(comments.filter(answer__author_id=user_id)),
            **_openness(group_id, user_id, OuterRef("question_id")),
        )
        .values_list("question_id", "others_answers", "on_others", "on_mine", *OPENNESS)
    )


# ---------------------------------------------------------------- many questions at once


def questions_open_to(membership: Membership) -> set[int]:
    """The group's questions on which this member may read the others' answers and their
    threads (``Standing.sees_others`` for each of ``StudyGroup.questions()``): answer-first
    weighed per question, with its settings and "has this member answered?". Their own
    posts they read everywhere; this says where they read the rest (search asks it).

    One query, however many questions."""
    rows = (
        membership.group.questions()
        .order_by()
        .annotate(**_openness(membership.group_id, membership.user_id, OuterRef("pk")))
        .values_list("pk", *OPENNESS)
    )
    return {pk for pk, *openness in rows if _is_open(membership, pk, *openness)}


OPENNESS = ("locked", "answer_first", "answered")


def _openness(group_id: int, user_id: int, question: OuterRef) -> dict[str, Subquery | Exists]:
    """What answer-first weighs for the outer row's question (``question``: its id), as
    columns of that query: the question's own settings in the group and "has this member
    (``user_id``) answered?"."""
    at = dict(group_id=group_id, question_id=question)
    settings = Discussion.objects.filter(**at)
    mine = Answer.objects.filter(author_id=user_id, deleted__isnull=True, **at)
    return {
        "locked": Subquery(settings.values("locked")[:1]),
        "answer_first": Subquery(settings.values("answer_first")[:1]),
        "answered": Exists(mine),
    }


def _is_open(
    membership: Membership,
    question_id: int,
    locked: bool | None,
    answer_first: bool | None,
    answered: bool,
) -> bool:
    """``sees_others`` from the columns ``_openness`` read (no settings row: the group's
    setting, unlocked)."""
    group = membership.group
    discussion = Discussion(
        group=group, question_id=question_id, locked=bool(locked), answer_first=answer_first
    )
    return sees_others(group, membership, discussion, answered=answered)


# ---------------------------------------------------------------- the margin


def margin_counts(membership: Membership, chapter_id: int) -> dict[int, tuple[int, int]]:
    """For each paragraph of the chapter: how many of the group's notes on it, and how many
    posts citing it, this member may read, as (notes, cited) by paragraph id (paragraphs
    with neither left out). Hiding applies as ``readable`` says and answer-first as
    ``citations_readable`` does: a member who has not answered a question finds no trace of
    the others' answers to it here, not even in a count.

    One grouped query for the chapter, however many notes and citations (and the one
    ``questions_open_to`` asks)."""
    notes = (
        Note.objects.filter(
            readable(membership), group=membership.group, paragraph__chapter_id=chapter_id
        )
        .order_by()
        .values("paragraph_id")
        .annotate(notes=Count("pk"), cited=Value(0))
    )
    cited = (
        Citation.objects.filter(citations_readable(membership), paragraph__chapter_id=chapter_id)
        .order_by()
        .values("paragraph_id")
        .annotate(notes=Value(0), cited=Count("pk"))
    )
    counts: dict[int, tuple[int, int]] = {}
    for row in notes.union(cited, all=True).order_by():  # (not the notes' default order)
        n, c = counts.get(row["paragraph_id"], (0, 0))
        counts[row["paragraph_id"]] = (n + row["notes"], c + row["cited"])
    return counts


def citations_readable(membership: Membership) -> Q:
    """The citations whose post this member may read, in their group: a note's as hiding
    says; an answer's and its comments' as hiding and answer-first (``questions_open_to``,
    one query) say, their own always."""
    group, mine = membership.group, membership.user_id
    open_ids = questions_open_to(membership)
    answer = (
        readable(membership, "answer__")
        & Q(answer__group=group)
        & (Q(answer__author_id=mine) | Q(answer__question_id__in=open_ids))
    )
    comment = (
        readable(membership, "comment__")
        & Q(comment__answer__group=group)
        & (Q(comment__answer__author_id=mine) | Q(comment__answer__question_id__in=open_ids))
    )
    return answer | comment | (readable(membership, "note__") & Q(note__group=group))
