"""A member's inbox: the list, and following (marking read) one or all."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from studygroup.accounts.http import AuthenticatedHttpRequest
from studygroup.core.http import form_lives_on, parse_id

from . import services
from .models import Notification


@login_required
@require_safe
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    items = Notification.objects.filter(recipient=request.user).select_related("group")
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@form_lives_on(lambda: reverse("notifications:inbox"))
def mark_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    """All read (no ``id``), or one read and followed to where it points."""
    if "id" not in request.POST:
        services.notifications_mark_read(user=request.user)
        return redirect("notifications:inbox")
    target = get_object_or_404(
        Notification, recipient=request.user, pk=parse_id(request.POST["id"])
    )
    services.notifications_mark_read(user=request.user, ids=[target.pk])
    return redirect(target.url)
