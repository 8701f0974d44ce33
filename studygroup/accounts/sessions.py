"""Who is asking, found on every request: the session and its user, each by a query
compiled once (content.compiled). Built and compiled anew by the ORM, the two were 1.5 ms of
every signed-in page's time, against 0.1 ms to run them.

The session stores are Django's, but for how they find the row (``SESSION_ENGINE`` names
this module, or ``cached_sessions`` with Redis); the backend is Django's ``ModelBackend``
but for how it loads the user.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from content import compiled

from .models import User


def _session(session_key: str) -> QuerySet[Session]:
    return Session.objects.filter(session_key=session_key)


def _session_row(store: db.SessionStore) -> Session | None:
    """The session's row while it has not expired, as Django's store finds it: a key with
    no row (or an expired one) is forgotten, so a new session gets a new key."""
    key = store.session_key
    found = compiled.one("session", _session, {"session_key": key}) if key else None
    if found and found.expire_date > timezone.now():
        return found
    store._session_key = None
    return None


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        return _session_row(self)


BACKEND = f"{__name__}.UserBackend"  # what a session made at sign-up names


def _user(pk: int) -> QuerySet[User]:
    return User._default_manager.filter(pk=pk)


class UserBackend(ModelBackend):
    """Django's, loading the session's user by a query compiled once.

    Django's own backend stays listed after it for the sessions made before, which name it.
    A wrong password must not go on to it: Django would check the password again, a second
    hashing of every failed log-in (and of every guess). Raising ``PermissionDenied`` is
    Django's way to end ``authenticate`` at a backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username, password, **kwargs)
        if user is None and password is not None:
            raise PermissionDenied("Wrong user name or password.")
        return user

    def get_user(self, user_id: int) -> User | None:
        user = compiled.one("session-user", _user, {"pk": int(user_id)})
        return user if user and self.user_can_authenticate(user) else None
