"""Searching the group: one box on every group page (groups/group.html#tabs); htmx swaps
the results in as the member types, and the plain form's GET is the same page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from studygroup.accounts.http import AuthenticatedHtmxHttpRequest
from studygroup.groups.access import group_for_member

from ..search import search as find


@login_required
@require_safe
def search(request: AuthenticatedHtmxHttpRequest, slug: str) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    query = request.GET.get("q", "")
    context = {
        "group": group,
        "membership": membership,
        "results": find(membership, query) if query.strip() else None,
        "query": query,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "discussion/search.html#results", context)
    return render(request, "discussion/search.html", context)
