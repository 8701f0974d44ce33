import logging
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """When PostgreSQL is out of reach, say so politely with a 503 instead of a 500.

    Nothing is half-written: each write runs in one transaction, which the lost connection
    rolls back. Django reconnects by itself (CONN_HEALTH_CHECKS) once the database is back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError) or not _unreachable():
            return None
        logger.warning("database unavailable: %s", exception)
        # Rendered without the database: no session, user or context processors.
        html = render_to_string("503.html")
        response = HttpResponse(html, status=503)
        response["Retry-After"] = "30"
        return response


def _unreachable() -> bool:
    """True when the database does not answer at all (not a failing query of ours)."""
    from django.db import connection

    try:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return True
    return False
