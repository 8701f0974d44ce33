"""What the drills share (the database outage, the two app servers behind a balancer): a
database of their own made as production makes one, a browser of sorts over HTTP (stdlib
only), and the rule that in CI a drill that cannot run fails instead of skipping."""

import http.client
import http.cookiejar
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
TEXT_FILE = "content/texts/russian-revolution-part-2.txt"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
PG_URL = f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}"

# Fay facilitates a group that Max is in; both log in with DRILL_PASSWORD.
SETUP_SCRIPT = """
import json, os
import django
django.setup()
from django.contrib.auth import get_user_model
from content.models import Question, StudyText
from studygroup.groups.models import Membership
from studygroup.groups.services import group_create

User = get_user_model()
password = os.environ["DRILL_PASSWORD"]
# No e-mail about replies: without a mail host production mode would try localhost:25.
fay = User.objects.create_user(
    username="fay", email="fay@example.org", password=password,
    display_name="Fay Facilitator", email_choice="none",
)
max_ = User.objects.create_user(
    username="max", email="max@example.org", password=password,
    display_name="Max Member", email_choice="none",
)
text = StudyText.objects.get(slug="russian-revolution-part-2")
group = group_create(user=fay, text=text, name=os.environ["DRILL_GROUP"])
Membership.objects.create(group=group, user=max_)
questions = list(group.questions().values_list("pk", flat=True))
print(json.dumps({"slug": group.slug, "questions": questions}))
"""


def refuse(reason: str) -> None:
    """Skip locally; in CI a drill that cannot run is a failure, not a quiet skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: failing instead of skipping)", pytrace=False)
    pytest.skip(reason)


def run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def drop_database(name: str) -> None:
    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(name: str, env: dict[str, str], password: str, group: str) -> dict:
    """The database ``name`` made anew as production makes one (migrate, the cache table,
    the shipped text, the static files), with Fay's group and Max in it: its slug and
    question ids."""
    drop_database(name)
    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    run([PYTHON, "manage.py", "migrate", "--no-input"], env)
    run([PYTHON, "manage.py", "createcachetable"], env)  # log-in failures count there
    run([PYTHON, "manage.py", "import_text", TEXT_FILE], env)
    run([PYTHON, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"], env)
    out = run(
        [PYTHON, "-c", SETUP_SCRIPT], {**env, "DRILL_PASSWORD": password, "DRILL_GROUP": group}
    )
    return json.loads(out.strip().splitlines()[-1])


@dataclass
class Response:
    status: int | None  # None: no HTTP answer at all (refused, reset, timed out)
    text: str = ""
    location: str = ""
    retry_after: str = ""
    error: str = ""


class _Raw(urllib.request.HTTPErrorProcessor):
    """Every status comes back as it is: no exceptions, no followed redirects."""

    def http_response(self, request, response):
        return response

    https_response = http_response


class Client:
    """A browser of sorts: a cookie jar, CSRF tokens from the cookie, no redirects followed."""

    def __init__(self, base: str, password: str, timeout: float):
        self.base, self.password, self.timeout = base, password, timeout
        # DJANGO_DEBUG=0 marks the session and CSRF cookies Secure; the app is reached here
        # over plain HTTP as behind a TLS proxy, so send them over http:// too.
        policy = http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "wss", "http"))
        self.jar = http.cookiejar.CookieJar(policy)
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),  # never through a proxy from the environment
            urllib.request.HTTPCookieProcessor(self.jar),
            _Raw(),
        )

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def csrf(self) -> str:
        return self.cookie("csrftoken")

    def request(self, method: str, path: str, data: dict | None = None) -> Response:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(self.base + path, data=body, method=method)
        try:
            with self.opener.open(request, timeout=self.timeout) as r:
                return Response(
                    status=r.status,
                    text=r.read().decode("utf-8", "replace"),
                    location=r.headers.get("Location", ""),
                    retry_after=r.headers.get("Retry-After", ""),
                )
        except (OSError, http.client.HTTPException) as exc:
            return Response(status=None, error=f"{type(exc).__name__}: {exc}")

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Response:
        return self.request("POST", path, data)

    def login(self, username: str, password: str | None = None) -> Response:
        self.get("/accounts/login/")  # sets the CSRF cookie
        r = self.post(
            "/accounts/login/", {"username": username, "password": password or self.password}
        )
        if password is None:
            assert r.status == 302, f"log-in as {username}: {r.status} {r.error} {r.text[:500]}"
        return r
