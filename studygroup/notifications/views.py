"""A member's inbox: the list, and following (marking read) one or all."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from content.models import Question
from studygroup.accounts.http import AuthenticatedHtmxHttpRequest, AuthenticatedHttpRequest
from studygroup.core.http import form_lives_on, parse_id
from studygroup.discussion.access import question_for_group
from studygroup.groups.access import group_for_member
from studygroup.groups.models import Membership, StudyGroup

from . import rules, services
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


@login_required
@form_lives_on(lambda slug, question_id: reverse("discussion:question", args=[slug, question_id]))
def watch(request: AuthenticatedHtmxHttpRequest, slug: str, question_id: int) -> HttpResponse:
    """Watch a question's discussion, or stop; htmx swaps the button in place."""
    group, membership = group_for_member(request, slug)
    question = question_for_group(group, question_id)
    services.watch_set(
        membership=membership, question=question, watching=request.POST.get("watching") == "yes"
    )
    if request.htmx:
        return render(
            request,
            "notifications/watch.html",
            watch_context(group, membership, question),
        )
    return redirect("discussion:question", slug, question.pk)


def watch_context(
    group: StudyGroup, membership: Membership, question: Question
) -> dict[str, object]:
    return {
        "group": group,
        "question": question,
        "watching": rules.is_watching(membership, question),
    }
