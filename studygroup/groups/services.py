"""Every change to a group goes through one of these functions, so each rule lives in one place.

They run in a transaction and take keyword arguments only. A refused change raises
``GroupError`` with a message meant for the person who asked.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import Field, Max
from django.utils import timezone
from django.utils.text import slugify

from content.models import Chapter, Question, ReadingItem, StudyText
from studygroup.accounts.models import User
from studygroup.core.errors import Refused

from . import events
from .audit import audit
from .models import (
    Attendance,
    AuditEvent,
    GroupQuestion,
    JoinRequest,
    Meeting,
    Membership,
    ReadingMark,
    StudyGroup,
    new_invite_code,
)


class GroupError(Refused):
    """A change the rules refuse; the message says why, to the person who asked."""


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40].strip("-") or "group"
    while True:
        slug = f"{base}-{new_invite_code()[:6].lower().replace('_', 'x').replace('-', 'x')}"
        if not StudyGroup.objects.filter(slug=slug).exists():
            return slug


@transaction.atomic
def group_create(*, user: User, text: StudyText, name: str, **fields: Any) -> StudyGroup:
    """Create a group; its creator becomes its first facilitator."""
    group = StudyGroup.objects.create(text=text, name=name, slug=_unique_slug(name), **fields)
    Membership.objects.create(group=group, user=user, role=Membership.Role.FACILITATOR)
    return group


# What a facilitator may change on the group's settings page (the text is fixed once the
# group exists: answers and readings hang off it; joining has its own page and service).
EDITABLE = ("name", "description", "meeting_place", "time_zone", "answer_first")


@transaction.atomic
def group_update(*, group: StudyGroup, by: User, **fields: Any) -> StudyGroup:
    """Change the group's settings; the audit log says which."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise GroupError(f"Not a group setting: {', '.join(sorted(unknown))}.")
    changed = [name for name, value in fields.items() if getattr(group, name) != value]
    if not changed:
        return group
    for name in changed:
        setattr(group, name, fields[name])
    group.full_clean(exclude=["text", "slug", "invite_code"])
    group.save(update_fields=changed)
    # EDITABLE names the group's own columns, never a reverse relation: each is a Field.
    labels = [
        str(cast("Field[Any, Any]", StudyGroup._meta.get_field(name)).verbose_name)
        for name in changed
    ]
    audit(group=group, actor=by, action=AuditEvent.Action.GROUP_EDIT, detail=", ".join(labels))
    return group


@transaction.atomic
def group_delete(*, group: StudyGroup, by: User | None = None) -> None:
    """A group goes with everything in it: members, meetings, its own questions, posts."""
    # A group's own questions are rows of the questions table: they go first, with their
    # answers; deleting the group takes the rest.
    Question.objects.filter(group_question__group=group).delete()
    group.delete()


@transaction.atomic
def invite_rotate(*, group: StudyGroup, by: User | None = None) -> StudyGroup:
    """A new invite code: the old link stops working at once."""
    group.invite_code = new_invite_code()
    group.save(update_fields=["invite_code"])
    audit(group=group, actor=by, action=AuditEvent.Action.INVITE_ROTATE, detail="New invite link")
    return group


@transaction.atomic
def invite_settings(*, group: StudyGroup, by: User, enabled: bool, policy: str) -> StudyGroup:
    """Turn the invite link on or off and choose how people join."""
    group.invite_enabled, group.join_policy = enabled, policy
    group.save(update_fields=["invite_enabled", "join_policy"])
    audit(
        group=group,
        actor=by,
        action=AuditEvent.Action.INVITE_SETTINGS,
        detail=f"Invite link {'on' if enabled else 'off'}; {group.get_join_policy_display()}",
    )
    return group


@transaction.atomic
def group_join(*, user: User, code: str) -> Membership | JoinRequest:
    """Follow an invite link: join at once, or ask the facilitators, as the group says."""
    group = (
        StudyGroup.objects.select_for_update().filter(invite_code=code, invite_enabled=True).first()
    )
    if group is None:
        raise GroupError(
            "This invite link is not valid any more. Ask your facilitator for a new one."
        )
    membership = Membership.objects.filter(group=group, user=user).first()
    if membership:
        return membership
    if group.join_policy == StudyGroup.JoinPolicy.OPEN:
        return Membership.objects.create(group=group, user=user)
    pending, created = JoinRequest.objects.get_or_create(
        group=group, user=user, state=JoinRequest.State.PENDING
    )
    if created:
        events.join_requested.send(sender=JoinRequest, join_request=pending)
    return pending


@transaction.atomic
def request_decide(*, join_request: JoinRequest, by: User, approve: bool) -> JoinRequest:
    """Approve (the requester becomes a member) or decline a pending join request."""
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.state != JoinRequest.State.PENDING:
        raise GroupError("That request has already been answered.")
    join_request.state = JoinRequest.State.APPROVED if approve else JoinRequest.State.DECLINED
    join_request.decided_by = by
    join_request.decided = timezone.now()
    join_request.save(update_fields=["state", "decided_by", "decided"])
    group = join_request.group
    audit(
        group=group,
        actor=by,
        action=AuditEvent.Action.APPROVE if approve else AuditEvent.Action.DECLINE,
        detail=join_request.user.name,
    )
    if approve:
        Membership.objects.get_or_create(group=group, user=join_request.user)
    events.join_decided.send(sender=JoinRequest, join_request=join_request, approved=approve, by=by)
    return join_request


def keep_a_facilitator(membership: Membership) -> None:
    """The rule: a group keeps a facilitator. Refuses to demote or remove its last one."""
    others = (
        Membership.objects.facilitators()
        .filter(group_id=membership.group_id)
        .exclude(pk=membership.pk)
        .select_for_update()
    )
    if membership.is_facilitator and not others.exists():
        raise GroupError("A group needs a facilitator: make another member a facilitator first.")


@transaction.atomic
def member_set_role(*, membership: Membership, role: str, by: User | None = None) -> Membership:
    if role not in Membership.Role.values:
        raise GroupError("Unknown role.")
    if role == Membership.Role.MEMBER:
        keep_a_facilitator(membership)
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
        audit(
            group=membership.group,
            actor=by,
            action=AuditEvent.Action.ROLE,
            detail=f"{membership.user.name} is now a {membership.get_role_display().lower()}",
        )
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, by: User | None = None) -> None:
    """Remove a member (or leave, when ``by`` is the member): their ticks go with them."""
    keep_a_facilitator(membership)
    leaving = by is not None and by.pk == membership.user_id
    audit(
        group=membership.group,
        actor=by,
        action=AuditEvent.Action.LEAVE if leaving else AuditEvent.Action.REMOVE,
        detail=membership.user.name,
    )
    membership.delete()


def _assignments_of(
    group: StudyGroup,
    chapters: list[Chapter],
    readings: list[ReadingItem],
    questions: list[Question],
) -> None:
    # Forms limit the choices already; this holds for any caller.
    if any(c.text_id != group.text_id for c in chapters) or any(
        r.text_id != group.text_id for r in readings
    ):
        raise GroupError("Assign chapters and readings of the group's own text.")
    if not all(group.discusses(q) for q in questions):
        raise GroupError("Assign the text's questions or this group's own.")


@transaction.atomic
def meeting_save(
    *,
    group: StudyGroup,
    meeting: Meeting | None = None,
    by: User | None = None,
    starts_at: datetime,
    ends_at: datetime,
    place: str = "",
    notes: str = "",
    chapters: Iterable[Chapter] = (),
    readings: Iterable[ReadingItem] = (),
    questions: Iterable[Question] = (),
) -> Meeting:
    """Plan a meeting, or change one, with what to read and discuss for it."""
    chapters, readings, questions = list(chapters), list(readings), list(questions)
    check_meeting_times(starts_at, ends_at)
    _assignments_of(group, chapters, readings, questions)
    created = meeting is None
    if meeting is None:
        meeting = Meeting(group=group)
    if meeting.cancelled_at is not None:
        raise GroupError("This meeting was cancelled: plan a new one instead.")
    before = (meeting.starts_at, meeting.ends_at, meeting.place)
    was = "" if created else _when_and_where(meeting)
    meeting.starts_at, meeting.ends_at, meeting.place, meeting.notes = (
        starts_at,
        ends_at,
        place,
        notes,
    )
    moved = not created and before != (starts_at, ends_at, place)
    if moved:
        meeting.sequence += 1  # calendars update their copy
    meeting.revised = timezone.now()
    meeting.save()
    if created:  # nothing to compare with: the rows in one insert each
        _assign(meeting, chapters, readings, questions)
    else:
        meeting.chapters.set(chapters)
        meeting.readings.set(readings)
        meeting.questions.set(questions)
    audit(
        group=group,
        actor=by,
        action=AuditEvent.Action.MEETING_PLAN if created else AuditEvent.Action.MEETING_EDIT,
        detail=str(meeting),
    )
    if created:
        events.meeting_planned.send(sender=Meeting, meeting=meeting, by=by)
    elif moved:
        events.meeting_moved.send(sender=Meeting, meeting=meeting, by=by, was=was)
    return meeting


def _assign(
    meeting: Meeting,
    chapters: list[Chapter],
    readings: list[ReadingItem],
    questions: list[Question],
) -> None:
    """A new meeting's assignments, written straight to their tables (12 queries to 3): the
    meeting's own save has made its group's schedule revision anew already (revisions.py)."""
    for field, chosen in (("chapters", chapters), ("readings", readings), ("questions", questions)):
        through = getattr(Meeting, field).through
        target = getattr(Meeting, field).field.m2m_reverse_field_name()
        through.objects.bulk_create(
            through(meeting=meeting, **{target: item}) for item in dict.fromkeys(chosen)
        )


def _when_and_where(meeting: Meeting) -> str:
    place = f" at {meeting.where}" if meeting.where else ""
    return f"{meeting.local_start:%a %-d %b, %H:%M}{place}"


def check_meeting_times(starts_at: datetime, ends_at: datetime) -> None:
    """The rule for a meeting's times (the form asks it too): later than now, and ending
    after it starts."""
    if starts_at <= timezone.now():
        raise GroupError("A meeting is planned for the future: pick a later date.")
    if ends_at <= starts_at:
        raise GroupError("A meeting ends after it starts.")


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by: User | None = None) -> None:
    """Take a meeting off the schedule. The row stays, marked cancelled, so the calendar
    feed can tell subscribed calendars (STATUS:CANCELLED) and old links can say so; the
    members are told. Its assignments stay with it; the ticks are the members'."""
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if current.cancelled_at is not None:
        return  # cancelled already (a second click, or two facilitators at once)
    meeting.sequence = current.sequence
    audit(
        group=meeting.group, actor=by, action=AuditEvent.Action.MEETING_CANCEL, detail=str(meeting)
    )
    meeting.cancelled_at = meeting.revised = timezone.now()
    meeting.sequence += 1
    meeting.save(update_fields=["cancelled_at", "revised", "sequence"])
    events.meeting_cancelled.send(sender=Meeting, meeting=meeting, by=by)


@transaction.atomic
def group_question_add(
    *, group: StudyGroup, body: str, chapters: Iterable[Chapter] = (), by: User | None = None
) -> Question:
    """A question only this group discusses, after the text's own."""
    chapters = list(chapters)
    _assignments_of(group, chapters, [], [])
    last = group.own_questions.aggregate(top=Max("position"))["top"] or 0
    question = Question.objects.create(body=" ".join(body.split()))
    GroupQuestion.objects.create(question=question, group=group, position=last + 1)
    question.chapters.set(chapters)
    audit(group=group, actor=by, action=AuditEvent.Action.QUESTION_ADD, detail=question.body)
    return question


def attendance_set(*, membership: Membership, meeting: Meeting, going: bool | None) -> None:
    """Say going (True), can't make it (False), or take the answer back (None)."""
    if meeting.group_id != membership.group_id or meeting.cancelled_at is not None:
        raise GroupError("That meeting is not on this group's schedule.")
    if going is None:
        Attendance.objects.filter(membership=membership, meeting=meeting).delete()
    else:
        Attendance.objects.update_or_create(
            membership=membership, meeting=meeting, defaults={"going": going}
        )


def mark_set(
    *,
    membership: Membership,
    done: bool,
    chapter: Chapter | None = None,
    reading: ReadingItem | None = None,
) -> bool:
    """Tick (or untick) an assigned chapter or reading as done. Idempotent."""
    thing = chapter or reading
    if thing is None or (chapter is not None and reading is not None):
        raise GroupError("Mark one chapter or one reading.")
    target = {"chapter": chapter} if chapter else {"reading": reading}
    if thing.text_id != membership.group.text_id:
        raise GroupError("That is not part of this group's text.")
    if done:
        try:
            with transaction.atomic():
                ReadingMark.objects.get_or_create(membership=membership, **target)
        except IntegrityError:
            pass  # a double click: the other request already ticked it
    else:
        ReadingMark.objects.filter(membership=membership, **target).delete()
    return done
