"""Every write to a discussion: posting, editing, deleting, moderating, notifying.

Each function runs in one transaction and enforces its rule here, whoever calls it: the
views, the admin or a test. A refused write raises ``DiscussionError`` with the reason.
"""

import enum
import unicodedata
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Final, Literal

from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Count, F, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from content import compiled
from content.models import Paragraph, Question
from studygroup.accounts.models import User
from studygroup.core.errors import NotAllowed
from studygroup.groups.audit import audit
from studygroup.groups.models import AuditEvent, Membership, StudyGroup

from . import citations, events
from .models import (
    COMMENTS_FIRST,
    FIRST_SCREEN_OPEN,
    MAX_ANSWER,
    MAX_COMMENT,
    Answer,
    AnyPost,
    Comment,
    Discussion,
    Margin,
    Note,
    Visit,
)
from .rules import LOCKED, LOCKED_NOTES, DiscussionError, forget_standing, standing

__all__ = ["DiscussionError"]  # services raise it; views catch it from here


class NotAuthor(NotAllowed):
    """Only a post's author may change or delete it."""


# What a post may be: the one place its limits are checked, with the one message for each.
def post_body(body: str, limit: int) -> str:
    """The post as it will be stored; refused if empty (or only invisible characters) or
    longer than ``limit``."""
    body = (body or "").strip()
    if not any(unicodedata.category(ch)[0] not in "ZC" for ch in body):
        raise DiscussionError("Write something first: the post is empty.")
    if len(body) > limit:
        raise DiscussionError(
            f"The post is {len(body):,} characters long; the limit is {limit:,}. Shorten it."
        )
    return body


def _question_of(group: StudyGroup, question: Question) -> None:
    if not group.discusses(question):
        raise DiscussionError("That question is not discussed in this group.")


@transaction.atomic
def answer_post(
    *, membership: Membership, question: Question, body: str, token: uuid.UUID | None = None
) -> Answer:
    """A member's answer to a question; one each, so a second try is refused.

    The same form sent twice (``token``) gives back the first answer, as if it had worked.
    """
    group, author = membership.group, membership.user
    if token and (sent := Answer.objects.filter(author=author, client_token=token).first()):
        return sent
    body = post_body(body, MAX_ANSWER)
    _question_of(group, question)
    standing(membership, question).check_may_post()
    existing = (
        Answer.objects.select_for_update()
        .filter(group=group, question=question, author=author)
        .first()
    )
    if existing and token and existing.client_token == token:
        return existing  # the same form, sent twice at once: the other copy got in first
    if existing and not existing.is_deleted:
        raise DiscussionError("You have answered this question already: edit your answer.")
    now = timezone.now()
    cited = citations.cite(group=group, body=body)  # its citations: none were left at delete
    if existing:  # a deleted answer comes back, its replies still in place
        answer = existing
        answer.body, answer.body_html, answer.deleted, answer.edited = (
            body,
            cited.html,
            None,
            now,
        )
        answer.hidden, answer.hidden_by, answer.hidden_reason = None, None, ""
        answer.last_activity = now
        answer.client_token = token
        answer.save(
            update_fields=[
                "client_token",
                "body",
                "body_html",
                "deleted",
                "edited",
                "last_activity",
                "hidden",
                "hidden_by",
                "hidden_reason",
            ]
        )
        cited.save(answer)
    else:
        try:
            with transaction.atomic():
                answer = Answer.objects.create(
                    group=group,
                    question=question,
                    author=author,
                    body=body,
                    body_html=cited.html,
                    created=now,
                    last_activity=now,
                    client_token=token,
                )
        except IntegrityError:
            if token and (sent := Answer.objects.filter(author=author, client_token=token).first()):
                return sent  # the same form, sent twice at once
            raise DiscussionError(
                "You have answered this question already: edit your answer."
            ) from None
        cited.save(answer)
    forget_standing(membership, question)  # the member has answered now
    events.answer_posted.send(sender=Answer, answer=answer, membership=membership)
    return answer


def check_author(post: AnyPost, user: User) -> None:
    """The author check: only the post's author changes it, and not once it is deleted."""
    if post.author_id != user.pk:
        raise NotAuthor("Only its author can change a post.")
    if post.is_deleted:
        raise DiscussionError("That post was deleted.")


def group_of(post: AnyPost) -> StudyGroup:
    return post.answer.group if isinstance(post, Comment) else post.group


def _locked(post: AnyPost) -> bool:
    """Whether the post's thread takes no new posts (nor edits): its question, for an answer
    and its comments; its paragraph's notes, for a note."""
    if isinstance(post, Note):
        return margin_locked(post.group, post.paragraph_id)
    answer = post if isinstance(post, Answer) else post.answer
    return Discussion.objects.filter(
        group_id=answer.group_id, question_id=answer.question_id, locked=True
    ).exists()


def margin_locked(group: StudyGroup, paragraph_id: int) -> bool:
    return Margin.objects.filter(group=group, paragraph_id=paragraph_id, locked=True).exists()


@transaction.atomic
def post_edit(*, post: AnyPost, user: User, body: str) -> AnyPost:
    check_author(post, user)
    if _locked(post):
        raise DiscussionError(LOCKED_NOTES if isinstance(post, Note) else LOCKED)
    body = post_body(body, MAX_ANSWER if isinstance(post, Answer) else MAX_COMMENT)
    if body != post.body:
        before = post.body
        group = group_of(post)
        cited = citations.cite(group=group, body=body, post=post)  # what it cited before
        post.body, post.body_html, post.edited = body, cited.html, timezone.now()
        post.save(update_fields=["body", "body_html", "edited"])
        cited.save(post)  # adds and removes its citations; a kept one keeps its quote
        events.post_edited.send(sender=type(post), post=post, user=user, body_before=before)
    return post


@transaction.atomic
def post_delete(*, post: AnyPost, user: User) -> AnyPost:
    """The text goes; the post stays as a placeholder so its replies keep their place."""
    check_author(post, user)
    if citations.CITING_MARK in post.body_html:
        citations.uncite(post)  # nothing it quoted is shown, or kept
    post.body, post.body_html, post.deleted = "", "", timezone.now()
    post.save(update_fields=["body", "body_html", "deleted"])
    return post


def comment_post(
    *,
    membership: Membership,
    answer: Answer,
    body: str,
    parent: Comment | None = None,
    token: uuid.UUID | None = None,
) -> Comment:
    """A comment on an answer, or a reply to a comment at any depth.

    The same form sent twice (``token``) gives back the first comment instead of a second.
    """
    author = membership.user
    if token and (sent := Comment.objects.filter(author=author, client_token=token).first()):
        return sent  # sent again after the first had gone through
    try:
        return _comment_post(
            membership=membership, answer=answer, body=body, parent=parent, token=token
        )
    except IntegrityError:
        # Two copies at once: the other committed first. Caught outside the transaction,
        # so the common case needs no savepoint.
        if token and (sent := Comment.objects.filter(author=author, client_token=token).first()):
            return sent
        raise


@transaction.atomic
def _comment_post(
    *,
    membership: Membership,
    answer: Answer,
    body: str,
    parent: Comment | None,
    token: uuid.UUID | None,
) -> Comment:
    group, author = membership.group, membership.user
    if answer.group_id != group.pk or (parent and parent.answer_id != answer.pk):
        raise DiscussionError("That post is not in this group.")
    body = post_body(body, MAX_COMMENT)
    standing(membership, answer.question).check_may_comment()
    # One writer at a time per answer: the count, the first screen's bound and the last
    # activity are derived from its comments, and two replies computing them side by side
    # could each miss the other's (a bound one comment too wide, an activity time older than
    # the newest comment). The lock also orders ``now`` with the commits.
    Answer.objects.select_for_update().filter(pk=answer.pk).values_list("pk").get()
    now = timezone.now()
    cited = citations.cite(group=group, body=body)
    comment = Comment.objects.create(
        answer=answer,
        parent=parent,
        author=author,
        body=body,
        body_html=cited.html,
        depth=parent.depth + 1 if parent else 0,
        created=now,
        client_token=token,
    )
    # The path needs the new id: a second, narrow write in the same transaction.
    comment.path = Comment.path_under(parent, comment.pk)
    comment.save(update_fields=["path"])
    cited.save(comment)
    Answer.objects.filter(pk=answer.pk).update(
        last_activity=now,
        comment_count=F("comment_count") + 1,
        first_screen_path=_first_screen_path(answer.pk),
    )
    events.comment_posted.send(sender=Comment, comment=comment, membership=membership)
    return comment


def note_post(
    *,
    membership: Membership,
    paragraph: Paragraph,
    body: str,
    parent: Note | None = None,
    token: uuid.UUID | None = None,
) -> Note:
    """A note in the margin of a paragraph of the group's text, or a reply to one at any
    depth. The same form sent twice (``token``) gives back the first note."""
    author = membership.user
    if token and (sent := Note.objects.filter(author=author, client_token=token).first()):
        return sent
    try:
        return _note_post(
            membership=membership, paragraph=paragraph, body=body, parent=parent, token=token
        )
    except IntegrityError:  # two copies at once: the other committed first
        if token and (sent := Note.objects.filter(author=author, client_token=token).first()):
            return sent
        raise


@transaction.atomic
def _note_post(
    *,
    membership: Membership,
    paragraph: Paragraph,
    body: str,
    parent: Note | None,
    token: uuid.UUID | None,
) -> Note:
    group = membership.group
    if paragraph.chapter.text_id != group.text_id or (
        parent and (parent.group_id != group.pk or parent.paragraph_id != paragraph.pk)
    ):
        raise DiscussionError("That paragraph is not in this group's text.")
    body = post_body(body, MAX_COMMENT)
    if margin_locked(group, paragraph.pk):
        raise DiscussionError(LOCKED_NOTES)
    cited = citations.cite(group=group, body=body)
    note = Note.objects.create(
        group=group,
        paragraph=paragraph,
        parent=parent,
        author=membership.user,
        body=body,
        body_html=cited.html,
        depth=parent.depth + 1 if parent else 0,
        client_token=token,
    )
    # Nothing is derived from a margin's notes (its counts are counted), so no lock: only
    # the path, which needs the new id, in a second narrow write.
    note.path = Note.path_under(parent, note.pk)
    note.save(update_fields=["path"])
    cited.save(note)
    events.note_posted.send(sender=Note, note=note, membership=membership)
    return note


@transaction.atomic
def margin_set(*, group: StudyGroup, paragraph: Paragraph, locked: bool, by: User | None) -> Margin:
    """Lock or unlock the notes on a paragraph in a group (a facilitator's)."""
    margin, _ = Margin.objects.select_for_update().get_or_create(group=group, paragraph=paragraph)
    if margin.locked != locked:
        margin.locked = locked
        margin.save(update_fields=["locked"])
        audit(
            group=group,
            actor=by,
            action=AuditEvent.Action.LOCK if locked else AuditEvent.Action.UNLOCK,
            detail=f"Notes on ¶{paragraph.reference}",
        )
    return margin


@transaction.atomic
def post_hide(*, post: AnyPost, by: User, reason: str) -> AnyPost:
    """A facilitator hides a post: its author still sees it, with the reason."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise DiscussionError("Give a reason: the author will see it.")
    post.hidden, post.hidden_by, post.hidden_reason = timezone.now(), by, reason[:300]
    post.save(update_fields=["hidden", "hidden_by", "hidden_reason"])
    _audit_post(post, by, AuditEvent.Action.HIDE, f": {reason}")
    return post


def _audit_post(post: AnyPost, by: User | None, action: str, extra: str = "") -> None:
    kind, group = post.kind, group_of(post)
    author = post.author.name if post.author else "a former member"
    audit(group=group, actor=by, action=action, detail=f"{author}'s {kind} #{post.pk}{extra}")


@transaction.atomic
def post_unhide(*, post: AnyPost, by: User | None = None) -> AnyPost:
    post.hidden, post.hidden_by, post.hidden_reason = None, None, ""
    post.save(update_fields=["hidden", "hidden_by", "hidden_reason"])
    _audit_post(post, by, AuditEvent.Action.UNHIDE)
    return post


class _Unchanged(enum.Enum):
    """The sentinel's type (an enum of one, so that mypy narrows ``is not UNCHANGED``)."""

    UNCHANGED = enum.auto()


UNCHANGED: Final = _Unchanged.UNCHANGED


@transaction.atomic
def discussion_set(
    *,
    group: StudyGroup,
    question: Question,
    locked: bool | None = None,
    answer_first: bool | Literal[_Unchanged.UNCHANGED] | None = UNCHANGED,
    by: User | None = None,
) -> Discussion:
    """Lock or unlock a question in a group, or set its own answer-first rule."""
    _question_of(group, question)
    discussion, _ = Discussion.objects.select_for_update().get_or_create(
        group=group, question=question
    )
    if locked is not None and locked != discussion.locked:
        discussion.locked = locked
        audit(
            group=group,
            actor=by,
            action=AuditEvent.Action.LOCK if locked else AuditEvent.Action.UNLOCK,
            detail=question.body[:200],
        )
    if answer_first is not UNCHANGED and answer_first != discussion.answer_first:
        discussion.answer_first = answer_first
        rule = {None: "as the group's setting", True: "on", False: "off"}[answer_first]
        audit(
            group=group,
            actor=by,
            action=AuditEvent.Action.ANSWER_FIRST,
            detail=f"Answer first {rule}: {question.body[:160]}",
        )
    discussion.save()
    return discussion


def _first_screen_path(answer_id: int) -> Coalesce:
    """SQL for the path of the answer's COMMENTS_FIRST-th comment in reading order (open while
    there are fewer): an index scan inside the UPDATE that counts the new comment."""
    nth = Comment.objects.filter(answer_id=answer_id).order_by("path").values("path")
    return Coalesce(
        Subquery(nth[COMMENTS_FIRST - 1 : COMMENTS_FIRST]),
        Value(FIRST_SCREEN_OPEN),
        output_field=CharField(),
    )


def comments_repath(*, answer_ids: Iterable[int]) -> None:
    """Paths and counts for comments made in bulk (fixtures, benchmarks, imports).

    comment_post keeps both as it goes; rows written with bulk_create need this once.
    """
    answer_ids = list(answer_ids)
    comments = list(
        Comment.objects.filter(answer_id__in=answer_ids)
        .order_by("id")
        .only("id", "parent_id", "answer_id")
    )
    by_id: dict[int | None, Comment] = {c.pk: c for c in comments}  # get(None): a top comment
    for comment in comments:  # parents have smaller ids, so theirs are done first
        comment.path = Comment.path_under(by_id.get(comment.parent_id), comment.pk)
    compiled.update_each(comments, ["path"])
    counts = dict(
        Comment.objects.filter(answer_id__in=answer_ids)
        .values_list("answer_id")
        .annotate(n=Count("id"))
    )
    paths: dict[int, list[str]] = {}
    for comment in sorted(comments, key=lambda c: c.path):
        paths.setdefault(comment.answer_id, []).append(comment.path)
    answers = list(Answer.objects.filter(pk__in=answer_ids).only("id"))
    for answer in answers:
        answer.comment_count = counts.get(answer.pk, 0)
        mine = paths.get(answer.pk, [])
        answer.first_screen_path = (
            mine[COMMENTS_FIRST - 1] if len(mine) >= COMMENTS_FIRST else FIRST_SCREEN_OPEN
        )
    compiled.update_each(answers, ["comment_count", "first_screen_path"])


# One statement for the question page's one write: the row's old ``seen_at`` moves to
# ``previous_seen_at`` and comes back (RETURNING) in the same upsert. update_or_create would
# read, lock and write: three to five queries, with its savepoints, on the busiest page.
# PostgreSQL and SQLite (3.35+) both speak this; ON CONFLICT names the visit_once index.
_VISIT_UPSERT = """
    INSERT INTO {table} AS visit (user_id, group_id, question_id, seen_at, previous_seen_at)
    VALUES (%s, %s, %s, %s, NULL)
    ON CONFLICT (user_id, group_id, question_id)
    DO UPDATE SET previous_seen_at = visit.seen_at, seen_at = excluded.seen_at
    RETURNING id, previous_seen_at
"""


def visit_record(*, membership: Membership, question: Question) -> datetime | None:
    """The member opens the question's page: their visit is now, and the one before comes
    back, the time after which posts are new to them on this visit (None: the first visit,
    when nothing is new). Only the page itself records a visit, never its fragments."""
    seen_at = Visit._meta.get_field("seen_at").get_db_prep_save(timezone.now(), connection)
    sql = _VISIT_UPSERT.format(table=connection.ops.quote_name(Visit._meta.db_table))
    # Through raw(), so the returned time is read as the ORM reads it (SQLite keeps text).
    (visit,) = Visit.objects.raw(
        sql, [membership.user_id, membership.group_id, question.pk, seen_at]
    )
    return visit.previous_seen_at
