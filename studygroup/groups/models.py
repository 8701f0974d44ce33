"""Study groups: who is in them, how people join, when they meet and what they read."""

import secrets
import uuid
import zoneinfo
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from content import compiled
from content.models import Chapter, Question, ReadingItem, StudyText
from content.revisions import Shelf

TIME_ZONES = sorted(zoneinfo.available_timezones() - {"Factory", "localtime"})


def new_invite_code() -> str:
    return secrets.token_urlsafe(16)


class StudyGroup(models.Model):
    class JoinPolicy(models.TextChoices):
        OPEN = "open", "Anyone with the invite link joins at once"
        APPROVAL = "approval", "A facilitator approves each request"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    text = models.ForeignKey(StudyText, on_delete=models.PROTECT, related_name="groups")
    description = models.TextField(blank=True)
    meeting_place = models.CharField(
        max_length=300, blank=True, help_text="Where you usually meet: an address or a video link."
    )
    time_zone = models.CharField(
        max_length=64, choices=[(tz, tz) for tz in TIME_ZONES], default="Europe/London"
    )
    join_policy = models.CharField(max_length=10, choices=JoinPolicy, default=JoinPolicy.APPROVAL)
    invite_code = models.CharField(max_length=40, unique=True, default=new_invite_code)
    invite_enabled = models.BooleanField("invite link on", default=True)
    answer_first = models.BooleanField(
        "answer before seeing the others",
        default=False,
        help_text="Members see the others' answers to a question once they have posted their "
        "own. Facilitators always see all. Each question can override this.",
    )
    created = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="study_groups"
    )
    # Anew at every change to its meetings or its own questions (groups/revisions.py): the
    # schedule is kept under it and the text's revision (``schedules``), never stale.
    schedule_revision = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "study group"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("discussion:group", args=[self.slug])  # the page is discussion's

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def invite_path(self) -> str:
        return reverse("groups:join", args=[self.invite_code])

    def questions(self) -> models.QuerySet[Question]:
        """The questions the group discusses: its text's own, then its own, in order.

        The one definition of "this question belongs to this group"; ``discusses`` says the
        same of one question.
        """
        return Question.objects.filter(
            Q(text_id=self.text_id) | Q(group_question__group=self)
        ).order_by(*QUESTION_ORDER)

    def reads(self) -> models.QuerySet[Chapter]:
        """The chapters the group reads: those its scheduled meetings assign, by number.

        The one definition of the group's reading order (previous / next in its reading
        view); a chapter two meetings assign comes once.
        """
        assigned = self.meetings.scheduled().values("chapters")
        return Chapter.objects.filter(pk__in=assigned).order_by("number")

    def schedule(self) -> list["Meeting"]:
        """Its scheduled meetings with their assignments, by start (``schedules``)."""
        return schedules([self])[self.pk]

    def discusses(self, question: Question) -> bool:
        """Whether ``question`` is one of ``questions()``, without a query for the text's."""
        if question.of_text:
            return question.text_id == self.text_id
        return GroupQuestion.objects.filter(question_id=question.pk, group=self).exists()


# The text's questions in the text's order, then a group's own in the group's.
QUESTION_ORDER = (models.F("text_id").asc(nulls_last=True), "position", "group_question__position")


def question_label(question: Question) -> str:
    """A question's short name in a group: "Q5" for the text's fifth question (its number
    in the text), "G2" for the group's own second one. Read ``group_question`` along
    (``select_related``) where many are labelled."""
    if question.of_text:
        return f"Q{question.position}" if question.position else "Q–"  # retired: no number
    own = getattr(question, "group_question", None)
    return f"G{own.position}" if own else "G–"


class GroupQuestion(models.Model):
    """A question a group wrote for itself: it shows nowhere outside the group.

    The question's words live with the text's questions (one table, so answers, meetings
    and discussions point at any question the same way); this row says whose it is.
    """

    question = models.OneToOneField(
        Question, primary_key=True, on_delete=models.CASCADE, related_name="group_question"
    )
    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="own_questions")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["group", "position"]
        verbose_name = "group's own question"
        constraints = [
            models.UniqueConstraint(
                fields=["group", "position"], name="group_question_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.question}"


class MembershipQuerySet(models.QuerySet["Membership"]):
    def facilitators(self) -> "MembershipQuerySet":
        return self.filter(role=Membership.Role.FACILITATOR)

    def by_name(self) -> "MembershipQuerySet":
        return self.select_related("user").order_by("role", "user__display_name", "user_id")


def members_by_name(group: "StudyGroup") -> list["Membership"]:
    """The group's members with their users, facilitators first, then by name: the group
    page's list and the progress tables' rows, by a query compiled once."""
    return compiled.objects("members-by-name", _members, {"group_id": group.pk})


def _members(group_id: int) -> "MembershipQuerySet":
    return Membership.objects.filter(group_id=group_id).by_name()


class Membership(models.Model):
    class Role(models.TextChoices):
        # "facilitator" sorts before "member": ordering by role lists facilitators first.
        FACILITATOR = "facilitator", "Facilitator"
        MEMBER = "member", "Member"

    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=12, choices=Role, default=Role.MEMBER)
    joined = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.group} ({self.role})"

    @property
    def is_facilitator(self) -> bool:
        return self.role == self.Role.FACILITATOR


class JoinRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a facilitator"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    created = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(state="pending"),
                name="one_pending_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.group} ({self.state})"


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def scheduled(self) -> "MeetingQuerySet":
        """The meetings that are on: every page and form lists these. A cancelled one is
        kept only so its old links and the calendar feed can say it was cancelled."""
        return self.filter(cancelled_at__isnull=True)

    def upcoming(self) -> "MeetingQuerySet":
        # A meeting stays "up next" until it has ended (``Meeting.is_over`` says it of one).
        return self.scheduled().filter(ends_at__gte=timezone.now()).order_by("starts_at", "id")

    def with_assignments(self) -> "MeetingQuerySet":
        return self.prefetch_related(
            models.Prefetch("chapters", queryset=Chapter.objects.order_by("number")),
            models.Prefetch("readings", queryset=ReadingItem.objects.order_by("level", "position")),
            models.Prefetch(
                "questions",
                queryset=Question.objects.select_related("group_question").order_by(
                    *QUESTION_ORDER
                ),
            ),
        )


SCHEDULES: "Shelf[Meeting]" = Shelf()


def schedules(groups: Collection[StudyGroup]) -> dict[int, list["Meeting"]]:
    """Each group's scheduled meetings with their assignments, by start: the same for every
    member, so built once per process and kept under the group's schedule revision and its
    text's revision (anything they show changing makes a new key: never a stale schedule).
    Four queries for the groups not kept, none for the rest. Each caller gets its own
    copies (``Shelf``): setting ``meeting.group`` on one changes nothing kept. The groups'
    texts must be loaded (``select_related("group__text")``), as the access rule loads them."""
    keys = {g.pk: f"schedule:{g.pk}:{g.schedule_revision}:{g.text.revision}" for g in groups}
    found = SCHEDULES.take(keys.values())
    result = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [pk for pk in keys if pk not in result]
    if missing:
        built: dict[int, list[Meeting]] = {pk: [] for pk in missing}
        for meeting in (
            Meeting.objects.filter(group__in=missing)
            .scheduled()
            .with_assignments()
            .order_by("starts_at", "id")
        ):
            built[meeting.group_id].append(meeting)
        SCHEDULES.put({keys[pk]: meetings for pk, meetings in built.items()})
        result.update(built)
    for group in groups:  # the group each meeting's links name: no query per meeting
        for meeting in result[group.pk]:
            meeting.group = group
    return result


class Meeting(models.Model):
    """One meeting of a group, and what its members read and discuss for it."""

    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    place = models.CharField(
        max_length=300, blank=True, help_text="Leave empty for the group's usual place."
    )
    notes = models.TextField(blank=True)
    chapters = models.ManyToManyField(Chapter, blank=True, related_name="+")
    readings = models.ManyToManyField(ReadingItem, blank=True, related_name="+")
    questions = models.ManyToManyField(Question, blank=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    # Its last change (the calendar feed's DTSTAMP and LAST-MODIFIED): set by the services.
    revised = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # iCalendar's SEQUENCE: one up at every change a calendar shows (time, place, cancelling)
    # so subscribed calendars replace their copy instead of keeping the old one.
    sequence = models.PositiveIntegerField(default=0)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["group", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.group}: {self.local_start:%a %d %b %Y, %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("discussion:meeting", args=[self.group.slug, self.pk])

    def is_over(self, now: datetime) -> bool:
        """Whether it has ended: until then it is "up next" (``MeetingQuerySet.upcoming``)."""
        return self.ends_at < now

    # Wall-clock times in the group's zone, naive on purpose: Django's |date filter would
    # turn an aware datetime back into the site's zone (UTC) before formatting it.
    @property
    def local_start(self):
        return timezone.localtime(self.starts_at, self.group.tz).replace(tzinfo=None)

    @property
    def local_end(self):
        return timezone.localtime(self.ends_at, self.group.tz).replace(tzinfo=None)

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def where(self) -> str:
        return self.place or self.group.meeting_place

    def attendance_counts(self) -> dict[str, int]:
        """How many said they are going and how many can't make it, in one query."""
        counts = dict(
            self.attendance.order_by().values_list("going").annotate(n=models.Count("pk"))
        )
        return {"going": counts.get(True, 0), "not_going": counts.get(False, 0)}


Ticks = tuple[set[int], set[int]]  # chapter ids, reading ids


def ticks(*, membership_id: int | None = None, user_id: int | None = None) -> Ticks:
    """The ids of the chapters and of the readings ticked by one member in one group
    (``membership_id``) or in all their groups (``user_id``), in one query compiled once:
    the dashboard, group and meeting pages ask it."""
    if membership_id is not None:
        values: compiled.Values = {"membership_id": membership_id}
        return _split(compiled.rows("ticks-of-membership", _ticks_of_membership, values))
    assert user_id is not None
    return _split(compiled.rows("ticks-of-user", _ticks_of_user, {"user_id": user_id}))


def _split(rows: Iterable[tuple[int | None, int | None]]) -> Ticks:
    chapters: set[int] = set()
    readings: set[int] = set()
    for chapter_id, reading_id in rows:
        if chapter_id:
            chapters.add(chapter_id)
        elif reading_id:
            readings.add(reading_id)
    return chapters, readings


def _ticks_of_membership(membership_id: int) -> models.QuerySet:
    marks = ReadingMark.objects.filter(membership_id=membership_id)
    return marks.values_list("chapter_id", "reading_id")


def _ticks_of_user(user_id: int) -> models.QuerySet:
    marks = ReadingMark.objects.filter(membership__user_id=user_id)
    return marks.values_list("chapter_id", "reading_id")


class ReadingMark(models.Model):
    """A member's tick: this assigned chapter or reading is done. Nothing more is tracked."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="marks")
    chapter = models.ForeignKey(Chapter, null=True, blank=True, on_delete=models.CASCADE)
    reading = models.ForeignKey(ReadingItem, null=True, blank=True, on_delete=models.CASCADE)
    marked = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(chapter__isnull=False, reading__isnull=True)
                | Q(chapter__isnull=True, reading__isnull=False),
                name="mark_one_thing",
            ),
            models.UniqueConstraint(
                fields=["membership", "chapter"],
                condition=Q(chapter__isnull=False),
                name="mark_chapter_once",
            ),
            models.UniqueConstraint(
                fields=["membership", "reading"],
                condition=Q(reading__isnull=False),
                name="mark_reading_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership}: {self.chapter or self.reading} done"


class AuditEvent(models.Model):
    """Who changed what in a group, when: settings, roles, removals, meetings, moderation,
    invite links. Every facilitator's (and admin's) change to a group writes one."""

    class Action(models.TextChoices):
        ROLE = "role", "Role changed"
        REMOVE = "remove", "Member removed"
        LEAVE = "leave", "Member left"
        APPROVE = "approve", "Join request approved"
        DECLINE = "decline", "Join request declined"
        INVITE_ROTATE = "invite_rotate", "Invite link replaced"
        INVITE_SETTINGS = "invite_settings", "Invite settings changed"
        HIDE = "hide", "Post hidden"
        UNHIDE = "unhide", "Post shown again"
        LOCK = "lock", "Question locked"
        UNLOCK = "unlock", "Question unlocked"
        ANSWER_FIRST = "answer_first", "Answer-first set for a question"
        GROUP_EDIT = "group_edit", "Group settings changed"
        MEETING_PLAN = "meeting_plan", "Meeting planned"
        MEETING_EDIT = "meeting_edit", "Meeting changed"
        MEETING_CANCEL = "meeting_cancel", "Meeting cancelled"
        QUESTION_ADD = "question_add", "Group question added"

    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=20, choices=Action)
    detail = models.CharField(max_length=300)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["group", "created"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.detail}"


class Attendance(models.Model):
    """A member's answer to "are you coming?" for one meeting: going, or can't make it."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    going = models.BooleanField()
    answered = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "meeting"], name="one_answer_a_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.membership} {'going to' if self.going else 'not at'} {self.meeting}"


def going(*, meeting_id: int, membership_id: int) -> bool | None:
    """The member's answer to "are you coming?" (None: not given), in a query compiled once:
    every meeting page asks it."""
    values: compiled.Values = {"meeting_id": meeting_id, "membership_id": membership_id}
    found = compiled.rows("going", _going, values)
    return found[0][0] if found else None


def _going(meeting_id: int, membership_id: int) -> models.QuerySet:
    mine = Attendance.objects.filter(meeting_id=meeting_id, membership_id=membership_id)
    return mine.values_list("going")
