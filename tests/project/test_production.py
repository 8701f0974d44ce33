"""Production mode (DJANGO_DEBUG=0): strict settings and cache-friendly static files."""

import pytest

from .helpers import production_env, run_django


def test_check_deploy_is_clean(production):
    failed, said = production["check"]
    assert not failed, said
    assert "no issues" in said


def test_check_deploy_fails_without_the_public_address():
    env = production_env()
    del env["DJANGO_SITE_URL"]
    result = run_django(
        "from django.core.management import call_command\n"
        "call_command('check', deploy=True, fail_level='WARNING')\n",
        **env,
    )
    assert result.returncode != 0
    assert "studygroup.E001" in result.stderr and "DJANGO_SITE_URL is not set" in result.stderr


@pytest.mark.parametrize(
    "site_url, ok",
    [
        ("https://study.example.org", True),
        ("http://127.0.0.1:8000", False),
        ("study.example.org", False),
        ("", False),
    ],
)
def test_the_public_address_must_be_absolute_and_public(settings, site_url, ok):
    from studygroup.core.checks import site_url as check

    settings.DEBUG, settings.SITE_URL = False, site_url
    assert (check(None) == []) is ok


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    env["DJANGO_SECRET_KEY"] = ""
    result = run_django("", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_security_headers_in_production(production):
    headers = production["headers"]
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_static_files_are_hashed_compressed_and_cached_for_ever(production):
    url, status, cache_control, encoding = production["static"]
    assert url.startswith("/static/css/site.") and url != "/static/css/site.css"
    hashed = production["static_root"] / url.removeprefix("/static/")
    assert hashed.exists()
    assert hashed.with_name(hashed.name + ".gz").exists()
    assert hashed.with_name(hashed.name + ".br").exists()
    assert status == 200
    assert "max-age=315360000" in cache_control and "immutable" in cache_control
    assert encoding.endswith("gzip") or encoding.endswith("br")
