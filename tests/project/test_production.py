"""Production mode (DJANGO_DEBUG=0): strict settings and cache-friendly static files."""

from pathlib import Path

import pytest

from .helpers import production_env, run_django


def test_check_deploy_is_clean():
    result = run_django(
        "from django.core.management import call_command\n"
        "call_command('check', deploy=True, fail_level='WARNING')\n",
        **production_env(),
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stderr + result.stdout


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


def test_security_headers_in_production():
    result = run_django(
        "from django.test import Client\n"
        "r = Client().get('/healthz', secure=True)\n"
        "for h in ('Strict-Transport-Security', 'Content-Security-Policy', "
        "'X-Content-Type-Options', 'Referrer-Policy', 'Cross-Origin-Opener-Policy', "
        "'X-Frame-Options'):\n"
        "    print(h, '=', r.headers.get(h))\n",
        **production_env(DATABASE_URL="postgres://postgres@127.0.0.1:1/x"),
    )
    assert result.returncode == 0, result.stderr
    headers = dict(line.split(" = ", 1) for line in result.stdout.splitlines())
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_static_files_are_hashed_compressed_and_cached_for_ever(tmp_path: Path):
    static_root = tmp_path / "static"
    result = run_django(
        "from django.core.management import call_command\n"
        # Our files only: the admin's hundred and django-htmx's forty add nothing to what
        # this proves, and compressing them was most of the test's time.
        "call_command('collectstatic', interactive=False, verbosity=0, "
        "ignore_patterns=['admin', 'django_htmx'])\n"
        "from django.templatetags.static import static\n"
        "from django.test import Client\n"
        "url = static('css/site.css')\n"
        "r = Client().get(url, secure=True, headers={'Accept-Encoding': 'gzip'})\n"
        "print(url)\n"
        "print(r.status_code, r.headers['Cache-Control'], r.headers.get('Content-Encoding'), "
        "sep='|')\n",
        **production_env(DJANGO_STATIC_ROOT=str(static_root)),
    )
    assert result.returncode == 0, result.stderr
    url, response = result.stdout.splitlines()
    assert url.startswith("/static/css/site.") and url != "/static/css/site.css"
    hashed = static_root / url.removeprefix("/static/")
    assert hashed.exists()
    assert hashed.with_name(hashed.name + ".gz").exists()
    assert hashed.with_name(hashed.name + ".br").exists()
    status, cache_control, encoding = response.split("|")
    assert status == "200"
    assert "max-age=315360000" in cache_control and "immutable" in cache_control
    assert encoding.endswith("gzip") or encoding.endswith("br")
