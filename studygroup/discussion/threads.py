"""Reading a question's discussion: who may see what, in a fixed handful of queries."""

import html
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.html import strip_tags

from content.models import Question
from studygroup.groups.models import Membership, StudyGroup

from .models import Answer, Comment, Discussion

LATEST = 5  # how many of the newest posts the page lists at its top


UNFETCHED = object()


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
        discussion = Discussion.objects.filter(group=group, question=question).first()
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


def flatten(comments: list[Comment]) -> list[Comment]:
    """Comments in reading order: each followed by its replies, depth first, oldest first."""
    children: dict[int | None, list[Comment]] = {}
    for comment in comments:
        children.setdefault(comment.parent_id, []).append(comment)
    by_id = {c.pk: c for c in comments}
    ordered: list[Comment] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        comment = stack.pop()
        if comment.parent_id:
            comment.parent_comment = by_id.get(comment.parent_id)
        ordered.append(comment)
        stack.extend(reversed(children.get(comment.pk, [])))
    return ordered


@dataclass
class Thread:
    group: StudyGroup
    question: Question
    membership: Membership
    discussion: Discussion | None
    answers: list[Answer] = field(default_factory=list)
    my_answer: Answer | None = None
    hidden_count: int = 0  # answers held back by answer-first
    latest: list = field(default_factory=list)  # the newest visible posts, newest first

    @property
    def locked(self) -> bool:
        return bool(self.discussion and self.discussion.locked)

    @cached_property
    def answer_first(self) -> bool:
        return answer_first_applies(self.group, self.question, self.membership, self.discussion)

    @property
    def can_see_others(self) -> bool:
        return not self.answer_first or self.my_answer is not None


def thread_for(group: StudyGroup, question: Question, membership: Membership) -> Thread:
    """The answers a member may see, each with its comments in order: three queries."""
    discussion = Discussion.objects.filter(group=group, question=question).first()
    thread = Thread(group, question, membership, discussion)
    answers = list(Answer.objects.filter(group=group, question=question).select_related("author"))
    for answer in answers:
        answer.group = group
        if answer.author_id == membership.user_id and not answer.is_deleted:
            thread.my_answer = answer
    if thread.can_see_others:
        visible = answers
    else:
        visible = [a for a in answers if a.author_id == membership.user_id]
        thread.hidden_count = sum(1 for a in answers if not a.is_deleted) - len(
            [a for a in visible if not a.is_deleted]
        )
    comments: dict[int, list[Comment]] = {a.pk: [] for a in visible}
    if visible:
        for comment in Comment.objects.filter(answer__in=visible).select_related("author"):
            comments[comment.answer_id].append(comment)
    for answer in visible:
        show(answer, membership)
        for comment in comments[answer.pk]:
            show(comment, membership)
        answer.thread = flatten(comments[answer.pk])
        answer.thread_size = len(answer.thread)
    thread.answers = visible
    posts = [p for p in visible if p.shown] + [c for a in visible for c in a.thread if c.shown]
    thread.latest = sorted(posts, key=lambda p: p.created, reverse=True)[:LATEST]
    for post in thread.latest:
        post.excerpt = html.unescape(strip_tags(post.body_html))
    return thread
