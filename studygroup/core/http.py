"""Reading requests safely: ids from forms and redirect targets from ``next``; the request
type views take."""

from django.http import Http404, HttpRequest
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
