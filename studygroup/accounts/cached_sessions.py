"""Sessions in the cache (Redis), read from the database when the cache lost them: Django's
cached_db store, finding the row as ``sessions`` does."""

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.models import Session

from .sessions import _session_row


class SessionStore(cached_db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        return _session_row(self)
