from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from studygroup.core.times import Moment

register = template.Library()


@register.filter
def moment(when: datetime | None) -> SafeString | str:
    """``{{ when|moment }}``: a time as every post shows it ("5 minutes ago", the date and
    hour on hover, ``<time datetime>``), for the pages that are not threads."""
    if when is None:
        return ""
    m = Moment.of(when, timezone.now())
    return format_html('<time datetime="{}" title="{}">{}</time>', m.iso, m.full, m.ago)
