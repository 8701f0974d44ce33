"""Reading requests safely: ids from forms and redirect targets from ``next``; the request
type views take."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request as our views see it: django-htmx's middleware adds ``htmx``."""

    htmx: HtmxDetails


def parse_id(value: str) -> int:
    """A database id from a form field or query; 404 for anything else (words, "²", 10**30)."""
    if value.isascii() and value.isdigit() and 0 < int(value) < 2**63:
        return int(value)
    raise Http404("No such thing.")


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` the request names if it stays on this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def form_lives_on(page: Callable[..., str]) -> Callable[[Callable[..., HttpResponse]], Any]:
    """A write whose form is on another page: POST writes; a GET or HEAD of its URL (typed,
    bookmarked, or where log-in sent a member back) goes to ``page(**url kwargs)``, the
    page with the form, instead of an empty 405."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                return redirect(page(**kwargs))
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


CONFIRMED = "confirmed"  # the field a confirmed destructive form carries ("yes")


def confirm_first(request: HttpRequest, **page: Any) -> HttpResponse | None:
    """An action that cannot be undone asks first: None once the request carries the
    confirmation (the dialog site.js shows for ``data-confirm`` forms, or the button of
    this page), else ``confirm_page(**page)``. Without JavaScript a click lands there."""
    if request.method == "POST" and request.POST.get(CONFIRMED) == "yes":
        return None
    return confirm_page(request, **page)


def confirm_page(
    request: HttpRequest,
    *,
    title: str,
    message: str,
    submit: str,
    back: str,
    hidden: dict[str, object] | None = None,
    quoted_html: str = "",
) -> HttpResponse:
    """The page that asks before a destructive action; its button sends it, confirmed."""
    return render(
        request,
        "confirm.html",
        {
            "title": title,
            "message": message,
            "submit": submit,
            "back": back,
            "action": request.get_full_path(),
            "hidden": {**(hidden or {}), CONFIRMED: "yes"},
            "quoted_html": quoted_html,
        },
    )
