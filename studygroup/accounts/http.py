"""The request types of views behind ``@login_required``, whose user is a ``User``.

mypy cannot see what the decorator guarantees: to it ``request.user`` is always ``User |
AnonymousUser``. So a view the decorator guards says so in its signature (django-stubs'
documented pattern) rather than casting or asserting at every use; give these types only
to views that carry the decorator (or that the admin site guards, staff only), and to the
helpers only they call. Types only: at run
time the request is Django's own.
"""

from typing import cast

from django.http import HttpRequest

from studygroup.core.http import HtmxHttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User


class AuthenticatedHtmxHttpRequest(AuthenticatedHttpRequest, HtmxHttpRequest):
    """The same, for the views that read ``request.htmx``."""


def staff_user(request: HttpRequest) -> User:
    """The user of an admin request: the admin site lets only signed-in staff in. For the
    ModelAdmin methods whose signature Django fixes as a plain HttpRequest."""
    return cast(User, request.user)
