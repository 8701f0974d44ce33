"""Who is asking: the session and its user, found by queries compiled once
(studygroup/accounts/sessions.py), answer as Django's own store and backend do."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import (
    MD5PasswordHasher,
    get_hashers,
    get_hashers_by_algorithm,
)
from django.contrib.sessions.backends.cached_db import SessionStore as CacheSessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from studygroup.accounts.sessions import SessionStore
from tests.support import logged_in

DASHBOARD = "/dashboard/"
engine = import_module(settings.SESSION_ENGINE)
CACHED = issubclass(engine.SessionStore, CacheSessionStore)


def test_a_signed_in_member_is_found_by_the_session_and_its_user(member):
    client = logged_in(member)
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD)
    assert response.status_code == 200 and member.name in response.text
    tables = [q["sql"].split(" FROM ")[1].split()[0] for q in queries if " FROM " in q["sql"]]
    # With Redis the session comes from the cache (cached_db), and only the user is asked for.
    first = ['"accounts_user"'] if CACHED else ['"django_session"', '"accounts_user"']
    assert tables[: len(first)] == first


def test_an_expired_session_is_no_session(member):
    client = logged_in(member)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    if CACHED:  # as when the cache has let it go: read from the table
        caches[settings.SESSION_CACHE_ALIAS].delete(engine.SessionStore(key).cache_key)
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None  # a new session gets a new key


@pytest.mark.parametrize("key", ["no-such-session-key-at-all", "short"])
def test_an_unknown_or_malformed_key_is_no_session(db, key):
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_member_made_inactive_is_signed_out(member):
    client = logged_in(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get(DASHBOARD).status_code == 302


def test_a_session_made_before_by_django_s_backend_still_signs_in(member):
    """Sessions name the backend that logged them in: those of Django's ModelBackend, from
    before ours, are still good."""
    store = SessionStore()
    store[SESSION_KEY] = str(member.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = member.get_session_auth_hash()
    store.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    response = client.get(DASHBOARD)
    assert response.status_code == 200 and member.name in response.text


class CountingHasher(MD5PasswordHasher):
    """The tests' hasher, counting the passwords it hashes (a check, or the stand-in hashing
    Django does for a user name nobody has, so the two take the same time)."""

    checked = 0

    def encode(self, password, salt):
        CountingHasher.checked += 1
        return super().encode(password, salt)


@pytest.mark.parametrize("username", ["max", "nobody-of-that-name"])
def test_a_failed_log_in_hashes_the_password_once(client, member, settings, username):
    """Django's backend, listed after ours for older sessions, is not asked again: a guess
    costs the server one hashing, not two."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()
    member.set_password("the-right-passphrase")
    member.save(update_fields=["password"])
    try:
        CountingHasher.checked = 0
        response = client.post("/accounts/login/", {"username": username, "password": "wrong"})
        assert response.status_code == 200 and "correct" in response.text
        checks = CountingHasher.checked
        assert checks <= 1, checks
        response = client.post(
            "/accounts/login/", {"username": "max", "password": "the-right-passphrase"}
        )
        assert response.status_code == 302
    finally:
        get_hashers.cache_clear()
        get_hashers_by_algorithm.cache_clear()
