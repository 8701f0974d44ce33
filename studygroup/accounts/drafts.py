"""A member's words survive a lost session: the one place that decides what happens to a
write sent after the log-in expired.

``LoginNeededMiddleware`` sees every request that ``login_required`` sends to the log-in
page. A POST's text is kept in the (new, anonymous) session, which log-in carries over,
under the path it was sent to; the form view that answers that path after log-in takes it
back (``take_draft``) and shows it filled in. With htmx, nothing is swapped: the answer is a
401 with a small log-in form that the page shows beside the member's untouched form, and a
successful log-in hands the page its new CSRF token, so pressing Post again works.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url

DRAFTS = "drafts"
# What a member typed, and which post it replies to; never passwords or form tokens (a fresh
# token on the form shown again is what makes the re-sent post a new one, sent once).
KEPT_FIELDS = ("body", "parent")
MAX_DRAFTS = 5
MAX_CHARS = 100_000


def keep_draft(request: HttpRequest) -> None:
    kept = {name: request.POST[name][:MAX_CHARS] for name in KEPT_FIELDS if request.POST.get(name)}
    if "body" not in kept:
        return
    drafts = dict(request.session.get(DRAFTS, {}))
    drafts.pop(request.path, None)
    drafts[request.path] = kept
    request.session[DRAFTS] = dict(list(drafts.items())[-MAX_DRAFTS:])


def take_draft(request: HttpRequest, path: str) -> dict[str, str]:
    """The text kept for a form that posts to ``path`` (empty when none); taken once."""
    drafts = request.session.get(DRAFTS)
    if not drafts or path not in drafts:
        return {}
    drafts = dict(drafts)
    kept = drafts.pop(path)
    request.session[DRAFTS] = drafts
    return kept


def _sent_to_log_in(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 302 or request.user.is_authenticated:
        return False
    return urlsplit(response["Location"]).path == resolve_url(settings.LOGIN_URL)


class LoginNeededMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not _sent_to_log_in(request, response):
            return response
        if request.method == "POST":
            keep_draft(request)
        if getattr(request, "htmx", False):
            from .forms import ThrottledLoginForm  # forms import models; keep start-up light

            needed = render(
                request, "accounts/login_needed.html", {"form": ThrottledLoginForm()}, status=401
            )
            needed["Cache-Control"] = "no-store"
            return needed
        return response
