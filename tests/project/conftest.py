"""One Django process in production mode (DJANGO_DEBUG=0) with its database out of reach,
asked everything the production tests want to know of such a process: its deploy checks,
its headers, its static files, /healthz over plain HTTP, and pages during the outage.
Settings are read at start-up, so it is a process of its own; one process answering them
all costs a start-up (0.7 CPU-s here) instead of five."""

import json
from pathlib import Path

import pytest

from .helpers import production_env, run_django

PROBE = r"""
import io, json
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.templatetags.static import static
from django.test import Client

out = {}
# The deploy checks, as `manage.py check --deploy --fail-level WARNING` runs them.
said = io.StringIO()
try:
    call_command("check", deploy=True, fail_level="WARNING", stdout=said, stderr=said)
    out["check"] = [0, said.getvalue()]
except SystemCheckError as error:
    out["check"] = [1, said.getvalue() + str(error)]

# The security headers of a page over HTTPS.
response = Client().get("/healthz", secure=True)
out["headers"] = {name: value for name, value in response.headers.items()}

# Our static files collected (the admin's hundred and django-htmx's forty add nothing to
# what this proves, and compressing them was most of the time), and one of them served.
call_command("collectstatic", interactive=False, verbosity=0,
             ignore_patterns=["admin", "django_htmx"])
url = static("css/site.css")
response = Client().get(url, secure=True, headers={"Accept-Encoding": "gzip"})
out["static"] = [url, response.status_code, response.headers["Cache-Control"],
                 response.headers.get("Content-Encoding")]

# /healthz over plain HTTP, as a load balancer probes it: no redirect to HTTPS.
response = Client(HTTP_HOST="localhost").get("/healthz")
out["healthz"] = [response.status_code, response.content.decode().strip()]

# Pages during the outage, signed in (the 404 page is the site's own, which reads the
# session), and a post that meets it.
client = Client(HTTP_HOST="localhost", raise_request_exception=False)
client.cookies["sessionid"] = "a-session-the-database-cannot-look-up"
out["outage"] = {}
for name, method, path, data in [
    ("unknown", "get", "/no-such-page/", {}),
    ("page", "get", "/dashboard/", {}),
    ("post", "post", "/groups/g/answers/1/comments/",
     {"body": "Typed during the outage", "token": "t-1"}),
]:
    response = getattr(client, method)(path, data, secure=True)
    out["outage"][name] = [response.status_code, response.get("Retry-After"),
                           response.content.decode()]
print(json.dumps(out))
"""


@pytest.fixture(scope="session")
def production(tmp_path_factory) -> dict:
    """What the production-mode process answered (PROBE), and where its static files went."""
    static_root = tmp_path_factory.mktemp("static")
    env = production_env(
        DATABASE_URL="postgres://postgres@127.0.0.1:1/studygroup",  # nothing listens on port 1
        DJANGO_STATIC_ROOT=str(static_root),
    )
    result = run_django(PROBE, **env)
    assert result.returncode == 0, result.stderr
    return {**json.loads(result.stdout.splitlines()[-1]), "static_root": Path(static_root)}
