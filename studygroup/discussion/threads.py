"""Reading a question's discussion: who may see what, in a fixed handful of queries.

A page holds a screenful, however long the discussion: the first answers (the viewer's own
first), each with the first comments of its thread in reading order. The rest comes on
demand, a page at a time, by keyset (answer id, comment path), so no request's work grows
with the size of the whole thread.
"""

import html
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.html import strip_tags

from content.models import Question
from studygroup.groups.models import Membership, StudyGroup

from .models import Answer, Comment, Discussion

ANSWERS_PAGE = 10  # answers on a screen; "More answers" brings the next ones
COMMENTS_FIRST = 10  # comments of each answer on the first screen
COMMENTS_MORE = 50  # comments a "more" request brings
LATEST = 5  # the newest posts listed at the top of the page

UNFETCHED = object()


def discussion_of(group: StudyGroup, question: Question, membership: Membership):
    """The group's settings row for the question (or None), fetched once per request: the
    membership object lives as long as the request does."""
    memo = membership.__dict__.setdefault("_discussions", {})
    if question.pk not in memo:
        memo[question.pk] = Discussion.objects.filter(group=group, question=question).first()
    return memo[question.pk]


def answer_first_applies(
    group: StudyGroup,
    question: Question,
    membership: Membership,
    discussion: object = UNFETCHED,
) -> bool:
    """Whether this viewer must answer before seeing others' answers (never facilitators).

    ``discussion`` is the group's row for the question if the caller has it (None: no row).
    """
    if membership.is_facilitator:
        return False
    if discussion is UNFETCHED:
        discussion = discussion_of(group, question, membership)
    if discussion is not None and discussion.answer_first is not None:
        return discussion.answer_first
    return group.answer_first


def show(post, membership: Membership) -> None:
    """Decide what this viewer sees of a post: its text, or a placeholder saying why not."""
    post.notice = ""
    post.shown = True
    if post.is_deleted:
        post.shown, post.notice = False, "Deleted by its author."
    elif post.is_hidden:
        if membership.is_facilitator or post.author_id == membership.user_id:
            post.notice = f"Hidden by a facilitator: {post.hidden_reason}"
        else:
            post.shown, post.notice = False, "Hidden by a facilitator."


@dataclass
class Thread:
    group: StudyGroup
    question: Question
    membership: Membership
    discussion: Discussion | None
    answers: list[Answer] = field(default_factory=list)
    my_answer: Answer | None = None
    hidden_count: int = 0  # answers held back by answer-first
    more_answers_after: int | None = None  # the last answer shown, when more follow
    latest: list = field(default_factory=list)  # the newest visible comments, newest first

    @classmethod
    def around(cls, group: StudyGroup, question: Question, membership: Membership) -> "Thread":
        """The thread's state (locked, answer-first) without its posts."""
        return cls(group, question, membership, discussion_of(group, question, membership))

    @property
    def locked(self) -> bool:
        return bool(self.discussion and self.discussion.locked)

    @cached_property
    def answer_first(self) -> bool:
        return answer_first_applies(self.group, self.question, self.membership, self.discussion)

    @property
    def can_see_others(self) -> bool:
        return not self.answer_first or self.my_answer is not None


def comments_of(
    answers: list[Answer], *, first: int | None, after: str = "", limit: int | None = None
) -> list[Comment]:
    """Comments of these answers in reading order, in one query: all of them, the first
    ``first`` of each thread, or (for one answer) ``limit`` after the path ``after``."""
    rows = Comment.objects.filter(answer_id__in=[a.pk for a in answers]).select_related(
        "author", "parent__author"
    )
    if after:
        rows = rows.filter(path__gt=after)
    if first is not None:
        # Each answer knows the path ending its first screen. Given as constants, the bounds
        # are one range scan of the (answer, path) index per answer; as a joined column
        # PostgreSQL would read the whole threads and filter.
        assert first == COMMENTS_FIRST, "first_screen_path is kept for COMMENTS_FIRST"
        bounds = Q()
        for answer in answers:
            bounds |= Q(answer_id=answer.pk, path__lte=answer.first_screen_path)
        rows = rows.filter(bounds)
    rows = rows.order_by("answer_id", "path")
    return list(rows[:limit] if limit else rows)


def attach_comments(
    answers: list[Answer], comments: list[Comment], membership, *, full: bool
) -> None:
    by_answer: dict[int, list[Comment]] = {a.pk: [] for a in answers}
    for comment in comments:
        show(comment, membership)
        by_answer[comment.answer_id].append(comment)
    for answer in answers:
        show(answer, membership)
        answer.thread = by_answer[answer.pk]
        answer.more_comments = 0 if full else max(0, answer.comment_count - len(answer.thread))
        answer.next_path = answer.thread[-1].path if answer.thread else ""


def thread_for(
    group: StudyGroup,
    question: Question,
    membership: Membership,
    *,
    after_answer: int | None = None,
    full: bool = False,
) -> Thread:
    """What this member may see of a question's discussion, a screen at a time.

    ``after_answer`` gives the next page of answers; ``full`` gives every answer with every
    comment (the printable thread, whose cost is what it shows).
    """
    thread = Thread.around(group, question, membership)
    user_id = membership.user_id
    answers = Answer.objects.filter(group=group, question=question).select_related("author")
    if after_answer is not None:
        last = Answer.objects.filter(group=group, question=question, pk=after_answer).first()
        answers = answers.exclude(author_id=user_id)
        if last is not None:
            answers = answers.filter(
                Q(created__gt=last.created) | Q(created=last.created, pk__gt=last.pk)
            )
    # The viewer's own answer leads the first page, whatever its date.
    answers = answers.annotate(
        mine=Case(
            When(author_id=user_id, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("mine", "created", "id")
    rows = list(answers if full else answers[: ANSWERS_PAGE + 1])
    if not full and len(rows) > ANSWERS_PAGE:
        rows = rows[:ANSWERS_PAGE]
        thread.more_answers_after = rows[-1].pk
    for answer in rows:
        answer.group = group
        if answer.author_id == user_id and not answer.is_deleted:
            thread.my_answer = answer
    if after_answer is not None and thread.answer_first:  # later pages leave it out
        thread.my_answer = Answer.objects.filter(
            group=group, question=question, author_id=user_id, deleted__isnull=True
        ).first()
    if thread.can_see_others:
        visible = rows
    else:
        visible = [a for a in rows if a.author_id == user_id]
        thread.hidden_count = (
            Answer.objects.filter(group=group, question=question, deleted__isnull=True)
            .exclude(author_id=user_id)
            .count()
        )
        thread.more_answers_after = None
    comments = comments_of(visible, first=None if full else COMMENTS_FIRST) if visible else []
    attach_comments(visible, comments, membership, full=full)
    thread.answers = visible
    if after_answer is None and not full and visible:
        thread.latest = latest_for(thread, visible)
    return thread


LATEST_ANSWERS = 10  # the most recently active answers the latest comments are sought in


def latest_for(thread: Thread, visible: list[Answer]) -> list[Comment]:
    """The newest comments this member may see, anywhere in the discussion: one query.

    Sought among the most recently active answers (a comment bumps its answer's
    last_activity), so the rows read stay bounded however long the discussion grows.
    """
    active = Answer.objects.filter(group=thread.group, question=thread.question)
    if not thread.can_see_others:
        active = active.filter(author_id=thread.membership.user_id)
    active = active.order_by("-last_activity").values("pk")[:LATEST_ANSWERS]
    rows = Comment.objects.filter(answer__in=active, deleted__isnull=True).select_related("author")
    if not thread.membership.is_facilitator:
        rows = rows.filter(Q(hidden__isnull=True) | Q(author_id=thread.membership.user_id))
    latest = list(rows.order_by("-created", "-id")[:LATEST])
    for post in latest:
        post.excerpt = html.unescape(strip_tags(post.body_html))
    return latest if len(latest) > 1 else []


def more_comments(answer: Answer, membership: Membership, after: str) -> list[Comment]:
    """The next comments of one answer's thread after the path ``after``."""
    comments = comments_of([answer], first=None, after=after, limit=COMMENTS_MORE + 1)
    for comment in comments:
        show(comment, membership)
    return comments
