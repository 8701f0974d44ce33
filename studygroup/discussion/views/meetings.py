"""The group's page, a meeting's page and the group's progress: what the group reads and
discusses, with what is new to the viewer in its discussion, and who has read and who has
answered (for facilitators)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from content.models import Chapter, Paragraph, Question
from studygroup.accounts.http import AuthenticatedHttpRequest
from studygroup.core.cards import Card
from studygroup.groups import progress
from studygroup.groups.access import group_for_facilitator, group_for_member
from studygroup.groups.models import (
    JoinRequest,
    Meeting,
    Membership,
    StudyGroup,
    going,
    members_by_name,
    ticks,
)

from ..reports import answered_tables
from ..rules import new_counts
from ..threads import ThreadPage, thread_page


@dataclass(frozen=True, slots=True)
class QuestionLine(Card):
    """A question in a meeting's list ("Discuss") with how many posts on it are new to the
    viewer. It has what the list reads of a ``Question`` (pk, body, of_text), so the shared
    partial (groups/group.html#assignments) lists either: the dashboard gives questions."""

    pk: int
    body: str
    of_text: bool
    new: int


@dataclass(frozen=True, slots=True)
class ScheduleLine(Card):
    """A meeting in the group's schedule, with what is new on its questions, all told."""

    meeting: Meeting
    new: int


@dataclass(frozen=True, slots=True)
class PackChapter(Card):
    """An assigned chapter in a meeting's pack, with its paragraphs."""

    chapter: Chapter
    paragraphs: list[Paragraph]
    id_prefix: str  # the pack holds several chapters: each one's ids are its own


@dataclass(frozen=True, slots=True)
class PackQuestion(Card):
    """A question set for the meeting, with what the viewer may read of its discussion."""

    question: Question
    thread: ThreadPage


def _questions(meeting: Meeting) -> list[Question]:
    return list(meeting.questions.all())  # prefetched: with_assignments


def _lines(meeting: Meeting, news: dict[int, int]) -> list[QuestionLine]:
    return [QuestionLine(q.pk, q.body, q.of_text, news.get(q.pk, 0)) for q in _questions(meeting)]


def _schedule(meetings: list[Meeting], news: dict[int, int]) -> list[ScheduleLine]:
    return [ScheduleLine(m, sum(news.get(q.pk, 0) for q in _questions(m))) for m in meetings]


def _scheduled_or_404(group: StudyGroup, meeting_id: int) -> Meeting:
    """One of the group's meetings: from its kept schedule, or (a cancelled one, whose old
    links still answer) from the database; 404 if the group has no such meeting."""
    for meeting in group.schedule():
        if meeting.pk == meeting_id:
            return meeting
    return get_object_or_404(group.meetings.with_assignments(), pk=meeting_id)


def _news(membership: Membership, meetings: Iterable[Meeting]) -> dict[int, int]:
    """What is new to the member on these meetings' questions: one query for all of them."""
    return new_counts(membership, {q.pk for m in meetings for q in _questions(m)})


# The group's page lives here, not in the groups app, for the reason the meeting page does
# (README, "Architecture"): beside each question it says what is new in the discussion since
# the member last looked, which only this layer may count (answer-first weighed, hidden posts
# left out: rules.new_counts). Its address and its look are the groups app's; the pieces
# it shares with other pages stay in templates/groups/group.html.
@login_required
@require_safe
def group_page(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    meetings = group.schedule()
    now = timezone.now()
    upcoming = [m for m in meetings if not m.is_over(now)]
    past = [m for m in reversed(meetings) if m.is_over(now)]
    news = _news(membership, meetings)
    marked_chapters, marked_readings = ticks(membership_id=membership.pk)
    members = members_by_name(group)
    pending_count = (
        group.join_requests.filter(state=JoinRequest.State.PENDING).count()
        if membership.is_facilitator
        else 0
    )
    next_meeting = upcoming[0] if upcoming else None
    return render(
        request,
        "discussion/group.html",
        {
            "group": group,
            "membership": membership,
            "next_meeting": next_meeting,
            "discuss": _lines(next_meeting, news) if next_meeting else [],
            "upcoming": _schedule(upcoming[1:], news),
            "past": _schedule(past, news),
            "members": members,
            "marked_chapters": marked_chapters,
            "marked_readings": marked_readings,
            "pending_count": pending_count,
        },
    )


@dataclass(frozen=True)
class MeetingProgress:
    """One meeting's two tables: who has read what, and who has answered its questions."""

    meeting: Meeting
    reading: progress.ProgressTable
    answered: progress.ProgressTable | None  # None when the meeting sets no questions


def progress_of(group: StudyGroup, meetings: list[Meeting]) -> list[MeetingProgress]:
    """Both tables for each meeting, in four queries however many meetings and members."""
    members = members_by_name(group)
    answered = answered_tables(group, meetings, members)
    return [
        MeetingProgress(meeting, reading, answers if answers.columns else None)
        for meeting, reading, answers in zip(
            meetings, progress.table_for(group, meetings, members), answered, strict=True
        )
    ]


@login_required
@require_safe
def meeting(request: AuthenticatedHttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    meeting = _scheduled_or_404(group, meeting_id)
    meeting.group = group
    if meeting.cancelled_at is not None:  # an old notification or bookmark: say so
        return render(
            request,
            "discussion/meeting_cancelled.html",
            {"group": group, "membership": membership, "meeting": meeting},
            status=410,
        )
    marked_chapters, marked_readings = ticks(membership_id=membership.pk)
    return render(
        request,
        "discussion/meeting.html",
        {
            "group": group,
            "membership": membership,
            "meeting": meeting,
            "discuss": _lines(meeting, _news(membership, [meeting])),
            "marked_chapters": marked_chapters,
            "marked_readings": marked_readings,
            "progress": progress_of(group, [meeting])[0] if membership.is_facilitator else None,
            "going": going(meeting_id=meeting.pk, membership_id=membership.pk),
        },
    )


@login_required
@require_safe
def meeting_pack(request: AuthenticatedHttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    """The meeting on paper: when and where, what to read, the assigned chapters in full
    with their paragraph references, and each question set with its discussion as the
    viewer may read it (the printable thread's rules: answer-first and hiding, as on the
    question's page). Its cost is what it shows: a few queries a question."""
    group, membership = group_for_member(request, slug)
    meeting = _scheduled_or_404(group, meeting_id)
    if meeting.cancelled_at is not None:
        return redirect(meeting)  # its page says it was cancelled (410)
    meeting.group = group
    chapters = sorted(meeting.chapters.all(), key=lambda c: c.number)
    paragraphs: dict[int, list[Paragraph]] = {c.pk: [] for c in chapters}
    by_pk = {c.pk: c for c in chapters}
    for paragraph in Paragraph.objects.filter(chapter__in=chapters).order_by("position"):
        paragraph.chapter = by_pk[paragraph.chapter_id]  # its reference asks no query
        paragraphs[paragraph.chapter_id].append(paragraph)
    return render(
        request,
        "discussion/meeting_pack.html",
        {
            "group": group,
            "membership": membership,
            "meeting": meeting,
            "chapters": [PackChapter(c, paragraphs[c.pk], f"c{c.number}-") for c in chapters],
            "questions": [
                PackQuestion(q, thread_page(group, q, membership, full=True))
                for q in _questions(meeting)
            ],
        },
    )


@login_required
@require_safe
def group_progress(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership = group_for_facilitator(request, slug)
    meetings = group.schedule()[::-1]  # the latest first
    return render(
        request,
        "discussion/progress.html",
        {"group": group, "membership": membership, "progress": progress_of(group, meetings)},
    )
