"""Times as people read them: "5 minutes ago" on the page, the date and hour on hover, and
the machine-readable instant for ``<time datetime>``. The one helper for every post's time.

Written without humanize's per-call translation lookups: a long thread shows hundreds.
"""

from dataclasses import dataclass
from datetime import datetime, tzinfo

from django.utils import timezone
from django.utils.safestring import SafeString

from .cards import Card


@dataclass(frozen=True, slots=True)
class Moment(Card):
    # Made of digits and month names only: safe as they are, so the template need not
    # escape them (a long thread shows hundreds).
    iso: SafeString  # for <time datetime="...">
    full: SafeString  # "3 Dec 2026, 18:30", in the site's zone
    ago: SafeString  # "just now", "5 minutes ago", "3 days ago", then the date

    @classmethod
    def of(cls, when: datetime, now: datetime, zone: tzinfo | None = None) -> "Moment":
        """``when`` as of ``now``, shown in ``zone`` (the current time zone: a caller that
        shows many looks it up once)."""
        local = timezone.localtime(when, zone)
        return cls(
            SafeString(when.isoformat()),
            SafeString(_full(local)),
            SafeString(_ago(when, now, local)),
        )


# strftime's %b, as Python leaves it (the C locale), without strftime: a formatted date
# was most of a Moment, and a long thread makes hundreds.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _full(local: datetime) -> str:
    return f"{_date(local)}, {local.hour:02d}:{local.minute:02d}"


def _date(local: datetime) -> str:
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def _ago(when: datetime, now: datetime, local: datetime) -> str:
    seconds = int((now - when).total_seconds())
    if seconds >= 7 * 86400:
        return _date(local)
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"
