"""Searching the group: one box on every group page (groups/group.html#tabs); htmx swaps
the results in as the member types, and the plain form's GET is the same page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
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
    # The results alone for the box's requests; the page for anything else (a link, the
    # plain form, htmx restoring the history it pushed).
    partial = request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    template = "discussion/search.html#results" if partial else "discussion/search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # one URL, two answers: caches must tell
    return response
