"""Who hears of what: one function per event, each the only place its rule lives.

Connected to the events of groups and discussion in ``NotificationsConfig.ready``. The bell
and the e-mail never carry a post's text (answer-first may hide it from the reader): they
say who did what, and where.
"""

import re
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from content import compiled
from content.models import Question
from studygroup.discussion import events as discussion_events
from studygroup.discussion.models import Answer, AnyPost, Comment, Note
from studygroup.discussion.rules import standing
from studygroup.groups import events as group_events
from studygroup.groups.models import (
    Attendance,
    JoinRequest,
    Meeting,
    Membership,
    StudyGroup,
    question_label,
)

from .mail import post_of
from .models import Notification, Watch
from .services import notify

MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")


def connect() -> None:
    # A group's news (a meeting, a join request) is worked out by the task worker too.
    for name in MEETING_EVENTS:
        getattr(group_events, name).connect(
            _queue_meeting(name), weak=False, dispatch_uid=f"notify-later-{name}"
        )
    for name in JOIN_EVENTS:
        getattr(group_events, name).connect(
            _queue_join(name), weak=False, dispatch_uid=f"notify-later-{name}"
        )
    # Who hears of a post is worked out by the task worker (``post_told``), not in the
    # request that made the post.
    for name in POST_EVENTS:
        getattr(discussion_events, name).connect(
            _queue(name), weak=False, dispatch_uid=f"notify-later-{name}"
        )
    discussion_events.post_edited.connect(_queue_edit, dispatch_uid="notify-later-edit")


def _short(body: str) -> str:
    return body if len(body) <= 60 else body[:59].rstrip() + "…"


def mentioned(group: StudyGroup, body: str) -> list:
    """The group's members named as @username in ``body``."""
    names = {name.rstrip(".") for name in MENTION_RE.findall(body)}
    if not names:
        return []
    return list(get_user_model().objects.filter(username__in=names, memberships__group=group))


def _tell_mentioned(
    post: AnyPost, group: StudyGroup, author, where: str, told: Iterable = ()
) -> None:
    """Members named as @username hear of it, unless already told of this post."""
    notify(
        recipients=[user for user in mentioned(group, post.body) if user not in told],
        kind=Notification.Kind.MENTION,
        group=group,
        text=f"{author.name} mentioned you {where}",
        url=post.get_absolute_url(),
        actor=author,
        post=post,
    )


def join_requested(sender, *, join_request: JoinRequest, **_) -> None:
    """The group's facilitators hear that someone waits for them."""
    group = join_request.group
    facilitators = Membership.objects.facilitators().filter(group=group).select_related("user")
    notify(
        recipients=[f.user for f in facilitators],
        kind=Notification.Kind.JOIN_REQUEST,
        group=group,
        text=f"{join_request.user.name} asks to join",
        url=reverse("groups:members", args=[group.slug]),
        actor=join_request.user,
    )


def join_decided(sender, *, join_request: JoinRequest, approved: bool, by, **_) -> None:
    group = join_request.group
    notify(
        recipients=[join_request.user],
        kind=Notification.Kind.JOIN_ANSWER,
        group=group,
        text="Your request to join was approved: welcome"
        if approved
        else "A facilitator declined your request to join",
        url=group.get_absolute_url() if approved else reverse("groups:dashboard"),
        actor=by,
    )


def meeting_planned(sender, *, meeting: Meeting, by, **_) -> None:
    """Every member hears of a new meeting, and is reminded of it the day before."""
    _tell_members(meeting, by, f"New meeting on {meeting.local_start:%a %d %b, %H:%M}")
    _remind_later(meeting)


def meeting_moved(sender, *, meeting: Meeting, by, was: str, **_) -> None:
    """Every member hears that a meeting's time or place changed, and from what."""
    place = f" at {meeting.where}" if meeting.where else ""
    _tell_members(
        meeting,
        by,
        f"Meeting moved: now {meeting.local_start:%a %d %b, %H:%M}{place} (was {was})",
    )
    _remind_later(meeting)  # the reminder queued for the old time sees the new sequence


def meeting_cancelled(sender, *, meeting: Meeting, by, **_) -> None:
    """Every member hears that a meeting is off; the link says so on the meeting's page."""
    _tell_members(meeting, by, f"Meeting on {meeting.local_start:%a %d %b, %H:%M} cancelled")


REMIND_BEFORE = timedelta(days=1)


def _remind_later(meeting: Meeting) -> None:
    """The reminder, queued for the day before (after the commit). A meeting planned for
    within a day needs none: its announcement is the reminder."""
    from .tasks import later, remind_of_meeting

    at = meeting.starts_at - REMIND_BEFORE
    if at > timezone.now():
        pk, sequence = meeting.pk, meeting.sequence
        transaction.on_commit(lambda: later(remind_of_meeting, at, pk, sequence), robust=True)


def meeting_reminder(meeting_id: int, sequence: int) -> int:
    """Tell the members of a meeting what to read and which questions are set, once, if it is
    still on at the time the reminder was queued for. Returns how many were told."""
    meeting = (
        Meeting.objects.scheduled()
        .with_assignments()
        .select_related("group")
        .filter(pk=meeting_id, sequence=sequence, starts_at__gt=timezone.now())
        .first()
    )
    if meeting is None:
        return 0  # cancelled, moved (its new reminder is queued) or over
    topic = f"reminder:{meeting.pk}:{sequence}"
    if Notification.objects.filter(topic=topic).exists():
        return 0  # the worker ran it once already
    declined = Attendance.objects.filter(meeting=meeting, going=False).values("membership_id")
    members = (
        Membership.objects.filter(group_id=meeting.group_id)
        .exclude(pk__in=declined)
        .select_related("user")
    )
    chapters = [str(chapter) for chapter in meeting.chapters.all()]
    text = f"Reminder: meeting {meeting.local_start:%a %d %b, %H:%M}"
    if chapters:
        text += f"; read {_short(', '.join(chapters))}"
    lines = [f"Where: {meeting.where}"] if meeting.where else []
    if chapters:
        lines += ["Read:", *(f"- {chapter}" for chapter in chapters)]
    readings = [str(reading) for reading in meeting.readings.all()]
    if readings:
        lines += ["Further reading:", *(f"- {reading}" for reading in readings)]
    questions = [f"- {question_label(q)}: {q.body}" for q in meeting.questions.all()]
    if questions:
        lines += ["Questions set:", *questions]
    recipients = [m.user for m in members]
    notify(
        recipients=recipients,
        kind=Notification.Kind.REMINDER,
        group=meeting.group,
        text=text,
        url=meeting.get_absolute_url(),
        details="\n".join(lines),
        topic=topic,
    )
    return len(recipients)


def _tell_members(meeting: Meeting, by, text: str) -> None:
    members = Membership.objects.filter(group_id=meeting.group_id).select_related("user")
    notify(
        recipients=[m.user for m in members],
        kind=Notification.Kind.MEETING,
        group=meeting.group,
        text=text,
        url=meeting.get_absolute_url(),
        actor=by,
    )


def watching(group_id: int, question_id: int) -> QuerySet[Membership]:
    """The members who watch a question's discussion: those who chose to, and, unless they
    chose not to, those who answered it and the group's facilitators. One query."""
    choice = Watch.objects.filter(
        group_id=group_id, question_id=question_id, user=OuterRef("user_id")
    )
    answered = Answer.objects.filter(
        group_id=group_id,
        question_id=question_id,
        author=OuterRef("user_id"),
        deleted__isnull=True,
    )
    by_default = Q(role=Membership.Role.FACILITATOR) | Q(Exists(answered))
    return (
        Membership.objects.filter(group_id=group_id)
        .annotate(choice=Subquery(choice.values("watching")[:1]))
        .filter(Q(choice=True) | (Q(choice__isnull=True) & by_default))
    )


def _watchers(group_id: int, question_id: int) -> QuerySet[Membership]:
    return watching(group_id, question_id).select_related("user")


def is_watching(membership: Membership, question: Question) -> bool:
    """``watching`` for one member (the question page's button): their own choice if they
    made one, else the same default, from the standing the page has already worked out."""
    values: compiled.Values = {
        "user_id": membership.user_id,
        "group_id": membership.group_id,
        "question_id": question.pk,
    }
    for (choice,) in compiled.rows("watch-choice", _choice, values):
        return choice
    return membership.is_facilitator or standing(membership, question).answered


def _choice(user_id: int, group_id: int, question_id: int) -> QuerySet[Watch, tuple[bool]]:
    mine = Watch.objects.filter(user_id=user_id, group_id=group_id, question_id=question_id)
    return mine.values_list("watching")


def _tell_watchers(
    post: Answer | Comment, question: Question, group: StudyGroup, author, told: Iterable
) -> None:
    """Those watching the question hear of a new post, one line a question while unread."""
    said = "answered" if isinstance(post, Answer) else "commented on"
    short = _short(question.body)
    told = set(told)
    notify(
        recipients=[
            m.user
            for m in compiled.objects(
                "watchers", _watchers, {"group_id": group.pk, "question_id": question.pk}
            )
            if m.user not in told
        ],
        kind=Notification.Kind.WATCHED,
        group=group,
        text=f"{author.name} {said} “{short}”",
        url=post.get_absolute_url(),
        actor=author,
        post=post,
        topic=f"question:{group.pk}:{question.pk}",
        phrase=f"posted on “{short}”",
    )


def _in_group(group: StudyGroup, user) -> bool:
    """Whether ``user`` is still in the group (one who left hears nothing of it)."""
    values: compiled.Values = {"group_id": group.pk, "user_id": user.pk}
    return bool(compiled.rows("in-group", _membership_of, values))


def _membership_of(group_id: int, user_id: int) -> QuerySet[Membership, tuple[int]]:
    return Membership.objects.filter(group_id=group_id, user_id=user_id).values_list("pk")


def answer_posted(sender, *, answer: Answer, membership: Membership, **_) -> None:
    """Those @mentioned hear of the mention; those watching the question, of the answer."""
    where = f"in an answer to “{_short(answer.question.body)}”"
    group, author = membership.group, membership.user
    _tell_mentioned(answer, group, author, where)
    _tell_watchers(answer, answer.question, group, author, mentioned(group, answer.body))


def comment_posted(sender, *, comment: Comment, membership: Membership, **_) -> None:
    """The author of what was replied to hears of the reply (if still in the group); those
    @mentioned hear of the mention; the question's other watchers, of the comment."""
    group, author = membership.group, membership.user
    answer, parent = comment.answer, comment.parent
    question = _short(answer.question.body)
    replied_to = parent.author if parent else answer.author
    if replied_to and not _in_group(group, replied_to):
        replied_to = None  # they have left the group: nothing of it reaches them now
    replied = parent or answer
    phrase = f"replied to your {'comment' if parent else 'answer'} on “{question}”"
    notify(
        recipients=[replied_to],
        kind=Notification.Kind.REPLY,
        group=group,
        text=f"{author.name} {phrase}",
        topic=f"reply:{'comment' if parent else 'answer'}:{replied.pk}",
        phrase=phrase,
        url=comment.get_absolute_url(),
        actor=author,
        post=comment,
    )
    _tell_mentioned(comment, group, author, f"in a comment on “{question}”", told=[replied_to])
    told = {replied_to, *mentioned(group, comment.body)}
    _tell_watchers(comment, answer.question, group, author, told)


def note_posted(sender, *, note: Note, membership: Membership, **_) -> None:
    """The author of the note replied to hears of the reply (if still in the group); those
    @mentioned hear of the mention. A note is read by the whole group, so no answer-first."""
    group, author, parent = membership.group, membership.user, note.parent
    where = f"on ¶{note.paragraph.reference}"
    replied_to = parent.author if parent else None
    if replied_to and not _in_group(group, replied_to):
        replied_to = None  # they have left the group
    if parent is not None:
        phrase = f"replied to your note {where}"
        notify(
            recipients=[replied_to],
            kind=Notification.Kind.REPLY,
            group=group,
            text=f"{author.name} {phrase}",
            topic=f"reply:note:{parent.pk}",
            phrase=phrase,
            url=note.get_absolute_url(),
            actor=author,
            post=note,
        )
    _tell_mentioned(note, group, author, f"in a note {where}", told=[replied_to])


def post_edited(sender, *, post: AnyPost, user, body_before: str, **_) -> None:
    """Those newly @mentioned by an edit hear of it; those mentioned before already did."""
    group = post.answer.group if isinstance(post, Comment) else post.group
    _tell_mentioned(
        post,
        group,
        user,
        f"in {'an' if isinstance(post, Answer) else 'a'} {post.kind}",
        told=set(mentioned(group, body_before)),
    )


# A post's news is worked out by the task worker, never inside the request that made the post
# (DESIGN): the post's service sends its event inside its transaction, and the receiver
# below queues ``post_told`` there too, so the task is committed with the post and gone with
# a rollback (the database queue writes it in the same transaction). The worker then runs
# the event's rule above on the rows as committed: the watchers' query, the grouping of
# unread lines, every notification written, cost the poster nothing. With
# DJANGO_TASKS=immediate (and in the tests) it runs at once, as before.
POST_EVENTS: dict[str, Callable[..., None]] = {
    "answer_posted": answer_posted,
    "comment_posted": comment_posted,
    "note_posted": note_posted,
}


def _queue(event: str):
    def queue(sender, *, membership: Membership, **kwargs) -> None:
        post = kwargs[event.removesuffix("_posted")]  # answer_posted sends answer=...
        post_told.enqueue(event, post.kind, post.pk, membership.pk)

    return queue


def _queue_edit(sender, *, post: AnyPost, user, body_before: str, **_) -> None:
    post_told.enqueue("post_edited", post.kind, post.pk, user.pk, body_before=body_before)


@task
@transaction.atomic  # as the post's own was: notify() locks the unread lines it groups into
def post_told(event: str, kind: str, post_id: int, by_id: int, body_before: str = "") -> None:
    """Run ``event``'s rule for the post: those it names hear of it. ``by_id`` is the
    author's membership (a new post) or the editor's user id (an edit)."""
    post = post_of(kind, post_id)
    if post is None:
        return  # deleted before the worker came to it: nobody hears of it
    if event == "post_edited":
        if (user := _user(by_id)) is not None:
            post_edited(None, post=post, user=user, body_before=body_before)
        return
    # An author who has left the group tells nobody.
    for membership in compiled.objects("post-told:author", _author, {"pk": by_id}):
        POST_EVENTS[event](None, **{kind: post}, membership=membership)


def _author(pk: int) -> QuerySet[Membership]:
    return Membership.objects.select_related("group", "user").filter(pk=pk)


# A group's news, the same way: queued in the change's transaction, told by the worker (a
# meeting announced to 200 members costs the facilitator's request one row).
MEETING_EVENTS: dict[str, Callable[..., None]] = {
    "meeting_planned": meeting_planned,
    "meeting_moved": meeting_moved,
    "meeting_cancelled": meeting_cancelled,
}
JOIN_EVENTS: dict[str, Callable[..., None]] = {
    "join_requested": join_requested,
    "join_decided": join_decided,
}


def _queue_meeting(event: str):
    def queue(sender, *, meeting: Meeting, by=None, was: str = "", **_) -> None:
        meeting_told.enqueue(event, meeting.pk, by.pk if by else None, was=was)

    return queue


def _queue_join(event: str):
    def queue(sender, *, join_request: JoinRequest, by=None, approved: bool = False, **_) -> None:
        join_told.enqueue(event, join_request.pk, by.pk if by else None, approved=approved)

    return queue


def _user(pk: int | None):
    return get_user_model().objects.filter(pk=pk).first() if pk else None


@task
@transaction.atomic
def meeting_told(event: str, meeting_id: int, by_id: int | None, was: str = "") -> None:
    """Run ``event``'s rule for the meeting (as committed): its members hear of it."""
    meeting = Meeting.objects.select_related("group").filter(pk=meeting_id).first()
    if meeting is None:
        return  # gone with its group before the worker came to it
    extra = {"was": was} if event == "meeting_moved" else {}
    MEETING_EVENTS[event](None, meeting=meeting, by=_user(by_id), **extra)


@task
@transaction.atomic
def join_told(event: str, request_id: int, by_id: int | None, approved: bool = False) -> None:
    """Run ``event``'s rule for the join request (as committed)."""
    join_request = JoinRequest.objects.select_related("group", "user").filter(pk=request_id)
    found = join_request.first()
    if found is None:
        return
    extra = {"approved": approved} if event == "join_decided" else {}
    JOIN_EVENTS[event](None, join_request=found, by=_user(by_id), **extra)
