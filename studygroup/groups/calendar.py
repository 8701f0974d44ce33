"""A member's private iCalendar feed (RFC 5545) of their groups' meetings."""

from datetime import timedelta
from urllib.parse import urljoin

from django.utils import timezone
from icalendar import Calendar, Event

from .models import Meeting

PAST_DAYS = 90  # calendars keep recent history; older meetings drop out of the feed


def describe(meeting: Meeting) -> str:
    lines = []
    chapters = list(meeting.chapters.all())
    readings = list(meeting.readings.all())
    questions = list(meeting.questions.all())
    if chapters:
        lines.append("Read:")
        lines += [f"- Chapter {c.number}. {c.title}" for c in chapters]
    if readings:
        lines.append("Further reading:")
        lines += [f"- {r.title}" + (f" ({r.reference})" if r.reference else "") for r in readings]
    if questions:
        lines.append("Discuss:")
        lines += [f"- {q.body}" for q in questions]
    if meeting.notes:
        lines += ["", meeting.notes]
    return "\n".join(lines)


def feed_for(user, base_url: str) -> bytes:
    meetings = (
        Meeting.objects.filter(
            group__memberships__user=user,
            starts_at__gte=timezone.now() - timedelta(days=PAST_DAYS),
        )
        .select_related("group")
        .with_assignments()
        .order_by("starts_at")
    )
    cal = Calendar()
    cal.add("prodid", "-//studygroup//meetings//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "studygroup meetings")
    for meeting in meetings:
        url = urljoin(base_url, meeting.get_absolute_url())
        event = Event()
        event.add("uid", f"meeting-{meeting.pk}@studygroup")
        # No METHOD in the feed, so DTSTAMP is when the event last changed (RFC 5545 3.8.7.2):
        # with SEQUENCE, what tells a subscribed calendar its copy is stale.
        event.add("dtstamp", meeting.revised)
        event.add("last-modified", meeting.revised)
        event.add("sequence", meeting.sequence)  # a moved or cancelled meeting replaces
        if meeting.cancelled_at is not None:
            event.add("status", "CANCELLED")
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        event.add(
            "summary",
            f"{'Cancelled: ' if meeting.cancelled_at else ''}{meeting.group.name}: "
            "study group meeting",
        )
        if meeting.where:
            event.add("location", meeting.where)
        event.add("description", describe(meeting) + f"\n\n{url}")
        event.add("url", url)
        cal.add_component(event)
    return cal.to_ical()
