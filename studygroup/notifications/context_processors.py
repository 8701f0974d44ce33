from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from content import compiled

from .models import Notification


def notifications(request: HttpRequest) -> dict:
    """The bell's unread count, counted only if a page shows it (one indexed query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_count": SimpleLazyObject(lambda: unread_count(user.pk)),
    }


def unread_count(user_id: int) -> int:
    """The member's unread notifications: asked on every page with the bell, so compiled
    once (content.compiled)."""
    found = compiled.rows("unread-count", _unread, {"user_id": user_id})
    return found[0][0] if found else 0


def _unread(user_id: int) -> QuerySet[Notification, tuple[int]]:
    mine = Notification.objects.unread().filter(recipient_id=user_id)
    return mine.values("recipient_id").annotate(n=Count("pk")).values_list("n")
