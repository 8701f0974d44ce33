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


def test_healthz_is_exempt_from_the_https_redirect(production):
    status, said = production["healthz"]
    assert status == 503, "a load balancer probing over HTTP gets no redirect"
    assert said == "database unavailable"


def test_every_page_is_a_503_while_the_database_is_down_and_a_post_keeps_its_text(production):
    out = production["outage"]
    for name in ("unknown", "page", "post"):
        status, retry_after, _ = out[name]
        assert (status, retry_after) == (503, "30"), name  # a logged-in 404 too, not a 500
    html = out["post"][2]
    assert "Typed during the outage</textarea>" in html, "the text comes back in the page"
    assert 'name="token" value="t-1"' in html, "sent again, it is stored once"
    assert 'action="/groups/g/answers/1/comments/"' in html and "Try again" in html


def test_a_database_that_never_answers_is_cut_off_in_time():
    """The deadline interrupts a wait on the database (here a query that sleeps, as a frozen
    server would never answer): a clear error in time, instead of a worker held for good."""
    import time

    import psycopg
    from django.db import connection

    from studygroup.core.deadline import Overdue, deadline

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL to keep a query waiting")
    settings = connection.settings_dict
    conn = psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname="postgres"
    )
    try:
        started = time.monotonic()
        with pytest.raises(Overdue), deadline(0.3):
            conn.execute("SELECT pg_sleep(5)")
        assert time.monotonic() - started < 2
    finally:
        conn.close()  # what the app does with a connection cut off mid-query


def test_an_enclosing_deadline_still_runs_out_after_an_inner_one():
    import time

    from studygroup.core.deadline import Overdue, deadline

    started = time.monotonic()
    with pytest.raises(Overdue), deadline(0.4):
        with deadline(0.1):
            pass  # /healthz's short deadline inside the request's
        time.sleep(3)
    assert time.monotonic() - started < 1


def test_favicon_ico_is_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg") and "/static/" in response["Location"]


def _as_django_raises(run) -> BaseException:
    """What a view sees of a driver's error: Django's class of the same name, raised from it."""
    import django.db.utils
    import psycopg

    try:
        run()
    except psycopg.Error as error:
        name = next(
            n
            for n in ("OperationalError", "InterfaceError", "DataError", "DatabaseError")
            if isinstance(error, getattr(psycopg, n))
        )
        try:
            raise getattr(django.db.utils, name)(*error.args) from error
        except django.db.utils.Error as seen:
            return seen
    raise AssertionError("it did not fail")


def _raw_connection():
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname="postgres"
    )


@pytest.mark.django_db
def test_a_request_the_restarting_database_failed_is_a_503_though_it_answers_again():
    """The drill's race: a request fails while PostgreSQL is going down or starting up, and
    by the time anyone asks, it answers again. The error itself says it was the server, so
    the member gets the polite page with the text kept, not a 500."""
    import psycopg
    from django.db import connection

    from studygroup.core.middleware import database_unavailable

    refused = _as_django_raises(lambda: psycopg.connect("host=127.0.0.1 port=1 connect_timeout=2"))
    assert database_unavailable(refused)
    if connection.vendor != "postgresql":
        return
    doomed = _raw_connection()
    # The server ends this connection as it does every connection when it shuts down.
    ended = _as_django_raises(
        lambda: doomed.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    )
    assert ended.__cause__.sqlstate == "57P01"
    assert database_unavailable(ended)
    with _raw_connection() as raw:
        ours = _as_django_raises(lambda: raw.execute("SELECT 1 / 0"))  # a bug of ours
        assert not database_unavailable(ours)


@pytest.mark.django_db
def test_a_failing_query_of_ours_on_sqlite_is_not_an_outage():
    import sqlite3

    import django.db.utils
    from django.db import connection

    from studygroup.core.middleware import database_unavailable

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's errors carry no code; PostgreSQL's are judged by theirs above")
    try:
        sqlite3.connect(":memory:").execute("SELECT * FROM no_such_table")
    except sqlite3.OperationalError as error:
        seen = django.db.utils.OperationalError(*error.args)
        seen.__cause__ = error
    assert not database_unavailable(seen), "the database answers: it is a 500 to fix"
