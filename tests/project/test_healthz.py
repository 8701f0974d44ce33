import pytest

from .helpers import run_django

PROBE = """
from django.test import Client
response = Client(HTTP_HOST="localhost").get("/healthz")
print(response.status_code, response.content.decode().strip(), response["Cache-Control"])
"""


@pytest.mark.django_db
def test_healthz_says_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite:////nonexistent-directory/studygroup.sqlite3",
        "postgres://postgres@127.0.0.1:1/studygroup",  # nothing listens on port 1
    ],
)
def test_healthz_says_503_when_the_database_is_down(database_url):
    result = run_django(PROBE, DATABASE_URL=database_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("503 database unavailable")


def test_healthz_is_exempt_from_the_https_redirect():
    from .helpers import production_env

    result = run_django(PROBE, **production_env(DATABASE_URL="postgres://postgres@127.0.0.1:1/x"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("503"), "a load balancer probing over HTTP gets no redirect"
