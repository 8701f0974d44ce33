import json
import logging
import sys
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

import psycopg
from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.defaults import bad_request

from .deadline import Overdue, deadline, ran_out
from .errors import Refused

logger = logging.getLogger(__name__)


class BadInputMiddleware:
    """Input no page can mean is a 400 here, before any view or query sees it: a NUL byte
    in the path or the query string (PostgreSQL refuses it in text, which would be a 500
    wherever a URL's words reach a query). Form fields refuse NUL already (Django's
    ProhibitNullCharactersValidator); ids in queries go through ``parse_id``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or b"\x00" in unquote_to_bytes(query):
            # The 400 page itself: raised, Django would log a traceback per such request.
            return bad_request(request, BadRequest("A NUL byte in the address"))
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """When PostgreSQL is out of reach, say so politely with a 503 instead of a 500.

    Nothing is half-written: each write runs in one transaction, which the lost connection
    rolls back. Django reconnects by itself (CONN_HEALTH_CHECKS) once the database is back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            with deadline(settings.REQUEST_DEADLINE):
                response = self.get_response(request)
        except Overdue:  # cut off outside a view (the session saved on the way out, say)
            return _overdue(request)
        if response.status_code != 500:
            return response
        if ran_out():  # cut off, and made a 500 further in
            return _overdue(request)
        # A failure anywhere inside (a 404 page asking for the session, the session saved on
        # the way out) reached us as a 500: if the database is what failed, it is a 503 like
        # the rest.
        failure = getattr(request, "_uncaught_exception", None)
        if database_unavailable(failure) if failure is not None else _unreachable():
            logger.warning("database unavailable while answering %s", request.path)
            return unavailable(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Overdue):
            return _overdue(request)
        if not database_unavailable(exception):
            return None
        logger.warning("database unavailable: %s", exception)
        return unavailable(request)


@receiver(got_request_exception)
def _remember_the_failure(
    sender: object, request: HttpRequest | None = None, **kwargs: object
) -> None:
    """Django turns an exception raised outside the view (in a middleware, in the 404 page)
    into a 500 before the response reaches us: keep what it was (the signal is sent while
    it is being handled), to judge it above."""
    if request is not None:
        request._uncaught_exception = sys.exc_info()[1]  # type: ignore[attr-defined]


# SQLSTATE classes that mean the server, not the query: 08 connection exception, 53
# insufficient resources (too many connections), 57 operator intervention (shutting down,
# starting up, crashed, the statement timeout).
_SERVER_CLASSES = {"08", "53", "57"}


def database_unavailable(exception: BaseException) -> bool:
    """Whether a failure is the database being out of reach (stopped, starting, restarting,
    frozen), so the page is the polite 503 rather than a 500.

    Judged from the error first: PostgreSQL's own code for it, or no code at all when the
    client lost the connection. A database that fails a request while starting up may be
    answering again by the time anyone asks, so asking alone would call that a bug of ours.
    Only an error that says nothing (SQLite's, say) is judged by asking the database."""
    seen: BaseException | None = exception
    while seen is not None:
        if isinstance(seen, Overdue):
            return True
        if isinstance(seen, psycopg.OperationalError | psycopg.InterfaceError):
            state = seen.sqlstate
            if state is None or state[:2] in _SERVER_CLASSES:
                return True
        seen = seen.__cause__ or seen.__context__
    return isinstance(exception, OperationalError | InterfaceError) and _unreachable()


def _overdue(request: HttpRequest) -> HttpResponse:
    """The database did not answer in time: no need to ask it again before saying so."""
    from django.db import connection

    connection.close()  # stuck mid-query: the next request opens another
    logger.warning("database did not answer within the deadline: %s", request.path)
    return unavailable(request)


def unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 page. A post that met the outage comes back in it, every field as sent (the
    text, its form token, the CSRF token): "Try again" sends it once more, and the token
    makes sure it is stored once however often it is sent."""
    resend = None
    if request.method == "POST":
        try:
            resend = [
                (name, value)
                for name in request.POST
                if "password" not in name  # never written back into a page
                for value in request.POST.getlist(name)
            ]
        except (RequestDataTooBig, TooManyFieldsSent, UnreadablePostError):  # a plain link then
            resend = None
    # Rendered without the database: no session, user or context processors; and without
    # the stylesheet should its name be unknown (static files not collected): this page
    # must never fail.
    try:
        stylesheet = static("css/site.css")
    except ValueError:
        stylesheet = None
    html = render_to_string(
        "503.html",
        {"resend": resend, "action": request.get_full_path(), "stylesheet": stylesheet},
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = "30"
    return response


def _unreachable() -> bool:
    """True when the database does not answer at all (not a failing query of ours). On a
    fresh connection: the one that failed may be stuck; connecting gives up after the
    connect timeout, and a server that takes connections but never answers them is cut off
    by a short deadline."""
    from django.db import connection

    try:
        connection.close()
        with deadline(settings.HEALTH_DEADLINE), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:  # Overdue is one too
        connection.close()
        return True
    return False


class RefusedMiddleware:
    """A rule refusing what a view was asked for (``Refused``, raised by a service) is a
    clear 409 page saying why, or with htmx the page's alert: never a 500. Views that can
    say it better (a form error beside what was typed) catch it first; this is for the rest,
    such as a reply form asked for by a page opened before its question was locked."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, Refused):
            return None
        if getattr(request, "htmx", False):  # nothing to swap; the alert says why
            response = HttpResponse()
            response["HX-Reswap"] = "none"
            response["HX-Trigger"] = json.dumps(
                {"studygroup:refused": {"message": f"Not possible: {exception}"}}
            )
            return response
        return HttpResponse(
            render_to_string("409.html", {"message": str(exception)}, request=request),
            status=409,
        )
