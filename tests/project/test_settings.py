"""Settings from the environment are parsed strictly: a typo stops the start, naming it."""

import pytest

from .helpers import production_env, run_django

SHOW = "from django.conf import settings\nprint(settings.DEBUG, settings.RATE_LIMITS_ENABLED)\n"


@pytest.mark.parametrize(
    ("word", "debug"),
    [("1", True), ("true", True), ("Yes", True), (" on ", True), ("0", False), ("OFF", False)],
)
def test_booleans_take_the_usual_words(word, debug):
    result = run_django(SHOW, **production_env(DJANGO_DEBUG=word))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == str(debug)


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
def test_an_unknown_word_for_a_boolean_is_an_error(name, word):
    # Each variable is read in debug mode too, so a typo shows on a developer's machine.
    result = run_django(SHOW, **{name: word})
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured")
    assert f"{name}={word!r}" in last_line
    assert "1, true, yes or on, or 0, false, no or off" in last_line


def test_a_number_that_is_not_one_is_an_error():
    result = run_django(SHOW, DJANGO_LOGIN_ATTEMPTS="five")
    assert result.returncode != 0
    assert "DJANGO_LOGIN_ATTEMPTS='five' is not a whole number" in result.stderr
