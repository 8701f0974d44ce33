from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from .deadline import deadline


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when not: for load balancers and monitors. Within
    HEALTH_DEADLINE seconds, even when the database is frozen rather than down."""
    try:
        with deadline(settings.HEALTH_DEADLINE), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:  # Overdue is one too
        connection.close()  # it may be stuck mid-query: the next request opens another
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and feed readers ask for /favicon.ico whatever the page says: the icon."""
    response = HttpResponsePermanentRedirect(static("favicon.svg"))
    response["Cache-Control"] = "public, max-age=86400"
    return response
