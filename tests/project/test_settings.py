"""Settings from the environment are parsed strictly: a typo stops the start, naming it.

The settings file is read here as Python reads it at start-up, under a given environment,
without touching the settings this test process runs on.
"""

import os
import runpy

import pytest
from django.core.exceptions import ImproperlyConfigured

from .helpers import ROOT, production_env

SETTINGS = ROOT / "studygroup" / "settings.py"


def read_settings(monkeypatch, **env: str) -> dict:
    for name in [name for name in os.environ if name.startswith("DJANGO_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


@pytest.mark.parametrize(
    ("word", "debug"),
    [("1", True), ("true", True), ("Yes", True), (" on ", True), ("0", False), ("OFF", False)],
)
def test_booleans_take_the_usual_words(monkeypatch, word, debug):
    assert read_settings(monkeypatch, **production_env(DJANGO_DEBUG=word))["DEBUG"] is debug


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("DJANGO_DEBUG", "flase"),
        ("DJANGO_DEBUG", ""),
        ("DJANGO_RATE_LIMITS", "2"),
        ("DJANGO_BEHIND_TLS_PROXY", "ture"),
        ("DJANGO_EMAIL_USE_TLS", "y"),
    ],
)
def test_an_unknown_word_for_a_boolean_is_an_error(monkeypatch, name, word):
    # Each variable is read in debug mode too, so a typo shows on a developer's machine.
    with pytest.raises(ImproperlyConfigured) as refused:
        read_settings(monkeypatch, **{name: word})
    assert f"{name}={word!r}" in str(refused.value)
    assert "1, true, yes or on, or 0, false, no or off" in str(refused.value)


def test_a_number_that_is_not_one_is_an_error(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_LOGIN_ATTEMPTS='five' is not a whole"):
        read_settings(monkeypatch, DJANGO_LOGIN_ATTEMPTS="five")


def test_and_the_app_refuses_to_start(tmp_path):
    """Once end to end: the process that would serve the app stops, naming the typo."""
    from .helpers import run_django

    result = run_django("", DJANGO_DEBUG="flase")
    assert result.returncode != 0
    assert "DJANGO_DEBUG='flase'" in result.stderr.strip().splitlines()[-1]


PG = "postgres://postgres@127.0.0.1:5432/studygroup"


def test_server_side_binding_is_one_switch_and_off_by_default(monkeypatch):
    options = read_settings(monkeypatch, DATABASE_URL=PG)["DATABASES"]["default"]["OPTIONS"]
    assert "server_side_binding" not in options
    on = read_settings(monkeypatch, DATABASE_URL=PG, DJANGO_DB_SERVER_SIDE_BINDING="1")
    assert on["DATABASES"]["default"]["OPTIONS"]["server_side_binding"] is True


def test_prepared_statements_behind_a_transaction_pooler_are_refused(monkeypatch):
    """PgBouncer in transaction mode hands a server connection to other clients between
    transactions, and with it the statements one client prepared: the start stops."""
    with pytest.raises(ImproperlyConfigured, match="set one of them"):
        read_settings(
            monkeypatch, DATABASE_URL=PG, DJANGO_DB_POOLED="1", DJANGO_DB_SERVER_SIDE_BINDING="1"
        )
    pooled = read_settings(monkeypatch, DATABASE_URL=PG, DJANGO_DB_POOLED="1")
    assert pooled["DATABASES"]["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
