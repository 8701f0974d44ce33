"""A meeting's page and the group's progress: what the group reads and discusses, with who
has read and who has answered (for facilitators)."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from studygroup.accounts.http import AuthenticatedHttpRequest
from studygroup.groups import progress
from studygroup.groups.access import group_for_facilitator, group_for_member
from studygroup.groups.models import Meeting, ReadingMark, StudyGroup

from ..reports import answered_tables


@dataclass(frozen=True)
class MeetingProgress:
    """One meeting's two tables: who has read what, and who has answered its questions."""

    meeting: Meeting
    reading: progress.ProgressTable
    answered: progress.ProgressTable | None  # None when the meeting sets no questions


def progress_of(group: StudyGroup, meetings: list[Meeting]) -> list[MeetingProgress]:
    """Both tables for each meeting, in four queries however many meetings and members."""
    answered = answered_tables(group, meetings)
    return [
        MeetingProgress(meeting, reading, answers if answers.columns else None)
        for meeting, reading, answers in zip(
            meetings, progress.table_for(group, meetings), answered, strict=True
        )
    ]


@login_required
@require_safe
def meeting(request: AuthenticatedHttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    meeting = get_object_or_404(group.meetings.with_assignments(), pk=meeting_id)
    meeting.group = group
    if meeting.cancelled_at is not None:  # an old notification or bookmark: say so
        return render(
            request,
            "discussion/meeting_cancelled.html",
            {"group": group, "membership": membership, "meeting": meeting},
            status=410,
        )
    marked_chapters, marked_readings = ReadingMark.objects.filter(membership=membership).done()
    mine = meeting.attendance.filter(membership=membership).values_list("going", flat=True)
    return render(
        request,
        "discussion/meeting.html",
        {
            "group": group,
            "membership": membership,
            "meeting": meeting,
            "marked_chapters": marked_chapters,
            "marked_readings": marked_readings,
            "progress": progress_of(group, [meeting])[0] if membership.is_facilitator else None,
            "going": next(iter(mine), None),
        },
    )


@login_required
@require_safe
def group_progress(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership = group_for_facilitator(request, slug)
    meetings = list(group.meetings.scheduled().with_assignments().order_by("-starts_at"))
    return render(
        request,
        "discussion/progress.html",
        {"group": group, "membership": membership, "progress": progress_of(group, meetings)},
    )
