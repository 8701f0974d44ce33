"""Times as people read them: "5 minutes ago" on the page, the date and hour on hover, and
the machine-readable instant for ``<time datetime>``. The one helper for every post's time.

Written without humanize's per-call translation lookups: a long thread shows hundreds.
"""

from dataclasses import dataclass
from datetime import datetime

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
    def of(cls, when: datetime, now: datetime) -> "Moment":
        local = timezone.localtime(when)
        return cls(
            SafeString(when.isoformat()),
            SafeString(_full(local)),
            SafeString(ago(when, now, local)),
        )


def _full(local: datetime) -> str:
    return f"{local.day} {local:%b %Y, %H:%M}"


def ago(when: datetime, now: datetime, local: datetime | None = None) -> str:
    seconds = int((now - when).total_seconds())
    if seconds >= 7 * 86400:
        local = local or timezone.localtime(when)
        return f"{local.day} {local:%b %Y}"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"
