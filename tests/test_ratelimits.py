"""Rate limits: clear 429 pages for sign-ups, password resets, invite guessing and posting,
keyed on the one client-address rule and counted once for every process."""

import os
import secrets
import socket
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.db import connection
from django.urls import reverse

from content.models import Question
from studygroup.core import ratelimit
from studygroup.discussion.models import Answer, Note
from studygroup.groups import services as group_services
from tests.project.helpers import start_django

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits_on(settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "signup": (3, 3600),
        "password_reset": (2, 3600),
        "invite": (3, 600),
        "post": (4, 300),
    }


def signup_data(n: int) -> dict:
    return {
        "username": f"new{n}",
        "display_name": f"New {n}",
        "email": f"new{n}@example.org",
        "password1": "a-long-passphrase-9",
        "password2": "a-long-passphrase-9",
    }


def test_signups_from_one_address_are_limited(client):
    for n in range(3):
        client.post(reverse("accounts:signup"), signup_data(n))
        client.logout()
    response = client.post(reverse("accounts:signup"), signup_data(9))
    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()
    assert int(response["Retry-After"]) > 0


def test_password_resets_are_limited(client, member, mailoutbox):
    for _ in range(2):
        client.post(reverse("accounts:password_reset"), {"email": member.email})
    response = client.post(reverse("accounts:password_reset"), {"email": member.email})
    assert response.status_code == 429
    assert len(mailoutbox) == 2


def test_guessing_invite_codes_is_limited(client, shipped_text, facilitator):
    group = group_services.group_create(user=facilitator, text=shipped_text, name="Readers")
    for n in range(3):
        assert client.get(reverse("groups:join", args=[f"guess{n}"])).status_code == 404
    # Past the limit even the right code waits: a guesser learns nothing more.
    response = client.get(group.invite_path())
    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()


def test_a_right_code_opened_often_is_not_limited(client, shipped_text, facilitator):
    group = group_services.group_create(user=facilitator, text=shipped_text, name="Readers")
    for _ in range(10):
        assert client.get(group.invite_path()).status_code == 200


def test_posting_is_limited_per_member(client, shipped_text, facilitator):
    group = group_services.group_create(user=facilitator, text=shipped_text, name="Readers")
    client.force_login(facilitator)
    questions = list(Question.objects.of_text(shipped_text))
    for question in questions[:4]:
        url = reverse("discussion:answer_create", args=[group.slug, question.pk])
        assert client.post(url, {"body": "An answer."}).status_code == 302
    url = reverse("discussion:answer_create", args=[group.slug, questions[4].pk])
    response = client.post(url, {"body": "One too many."}, headers={"HX-Request": "true"})
    assert response.status_code == 429
    assert Answer.objects.filter(group=group).count() == 4
    # One limit for every post: a note in the margin counts against the same one.
    note = reverse("discussion:note_create", args=[group.slug, 15, 2])
    assert client.post(note, {"body": "A note too many."}).status_code == 429
    assert not Note.objects.exists()


# ----------------------------------------------------------------- who the client is

PROXY = "10.0.0.2"


@pytest.mark.parametrize(
    ("hops", "remote", "forwarded", "client"),
    [
        # Not behind a proxy: the header is the client's own to write, and ignored.
        (0, "198.51.100.7", "", "198.51.100.7"),
        (0, "198.51.100.7", "203.0.113.9", "198.51.100.7"),
        # Behind one proxy: the last hop is the one it appended; the rest is the client's.
        (1, PROXY, "198.51.100.7", "198.51.100.7"),
        (1, PROXY, "203.0.113.9, 198.51.100.7", "198.51.100.7"),
        (1, PROXY, "203.0.113.9,198.51.100.7", "198.51.100.7"),
        (1, PROXY, "", PROXY),  # reached without the proxy (a health probe): the peer
        # Behind a CDN and a load balancer: the second hop from the end.
        (2, PROXY, "203.0.113.9, 198.51.100.7, 192.0.2.1", "198.51.100.7"),
        (2, PROXY, "198.51.100.7", "198.51.100.7"),  # came in past the CDN
        # IPv6: one host's /64 is one client; IPv4 in IPv6 clothing is IPv4.
        (0, "2001:db8:1:2:a:b:c:d", "", "2001:db8:1:2::/64"),
        (1, PROXY, "2001:db8:1:2::99", "2001:db8:1:2::/64"),
        (0, "::ffff:198.51.100.7", "", "198.51.100.7"),
        (1, PROXY, "unknown", "unknown"),  # not an address: counted as given
    ],
)
def test_client_address(rf, settings, hops, remote, forwarded, client):
    settings.PROXY_HOPS = hops
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    request = rf.get("/", REMOTE_ADDR=remote, headers=headers)
    assert ratelimit.client_address(request) == client


def test_behind_the_proxy_each_client_has_its_own_signup_limit(client, settings):
    settings.PROXY_HOPS = 1
    for n in range(3):
        client.post(reverse("accounts:signup"), signup_data(n), **via_proxy("198.51.100.7"))
        client.logout()
    assert (
        client.post(
            reverse("accounts:signup"), signup_data(8), **via_proxy("198.51.100.7")
        ).status_code
        == 429
    )
    # Another client behind the same proxy, and the first one forging another first hop.
    other = client.post(reverse("accounts:signup"), signup_data(9), **via_proxy("203.0.113.9"))
    assert other.status_code == 302
    client.logout()
    forged = client.post(
        reverse("accounts:signup"),
        signup_data(10),
        **via_proxy("198.51.100.7", sent="203.0.113.200"),
    )
    assert forged.status_code == 429


def test_not_behind_a_proxy_a_forged_header_does_not_escape_a_limit(client):
    for n in range(3):
        headers = {"X-Forwarded-For": f"203.0.113.{n}"}
        client.post(reverse("accounts:password_reset"), {"email": "a@example.org"}, headers=headers)
    response = client.post(
        reverse("accounts:password_reset"),
        {"email": "a@example.org"},
        headers={"X-Forwarded-For": "203.0.113.99"},
    )
    assert response.status_code == 429


def test_behind_the_proxy_invite_guessing_is_limited_per_client(
    client, settings, shipped_text, facilitator
):
    settings.PROXY_HOPS = 1
    group = group_services.group_create(user=facilitator, text=shipped_text, name="Readers")
    for n in range(3):
        client.get(reverse("groups:join", args=[f"guess{n}"]), **via_proxy("198.51.100.7"))
    assert client.get(group.invite_path(), **via_proxy("198.51.100.7")).status_code == 429
    assert client.get(group.invite_path(), **via_proxy("203.0.113.9")).status_code == 200


def via_proxy(client_ip: str, sent: str = "") -> dict:
    """What the app receives when ``client_ip`` comes through our proxy, which appends the
    address it saw to whatever X-Forwarded-For the client ``sent``."""
    forwarded = f"{sent}, {client_ip}" if sent else client_ip
    return {"REMOTE_ADDR": PROXY, "headers": {"X-Forwarded-For": forwarded}}


# ------------------------------------------------------- one count for every process


def test_the_test_database_has_the_cache_table(settings):
    # Django's test database creation runs createcachetable; counts land in its table.
    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        pytest.skip("DJANGO_REDIS_URL is set: the counts are in Redis")
    ratelimit.hit("signup", "192.0.2.1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM studygroup_cache")
        [(key,)] = cursor.fetchall()
    assert ":rl:signup:" in key


def shared_database_url(tmp_path: Path) -> str:
    """A database other processes can open: the test database on PostgreSQL, or else a
    SQLite file (the test database is in memory), whose cache table the first process
    makes."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        login = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
        return f"postgres://{login}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return f"sqlite:///{tmp_path / 'shared.sqlite3'}"


def redis_url() -> str:
    url = os.environ.get("DJANGO_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        socket.create_connection((urlsplit(url).hostname, urlsplit(url).port or 6379), 1).close()
    except OSError:
        pytest.skip(f"no Redis at {url}")
    return url


LIMIT, EACH = 30, 25


@pytest.fixture(scope="module", params=["database", "redis"])
def two_processes(request, tmp_path_factory) -> dict:
    """Two app processes (as two gunicorn workers) try at once, 25 each, at a limit of 30;
    each says which cache it counts in. Without Redis the cache is a database table. Run
    once for both tests that read it."""
    tmp_path = tmp_path_factory.mktemp("processes")
    key = secrets.token_hex(8)  # no other test's count, and none left from an earlier run
    go = tmp_path / "go"
    code = (
        "import os, time\n"
        "from django.conf import settings\n"
        "from django.core.cache import caches\n"
        "from django.core.management import call_command\n"
        "from studygroup.core import ratelimit\n"
        "if os.environ.get('MAKE_CACHE_TABLE'):\n"
        "    call_command('createcachetable')\n"
        f"settings.RATE_LIMITS = {{**settings.RATE_LIMITS, 'shared': ({LIMIT}, 3600)}}\n"
        "settings.RATE_LIMITS_ENABLED = True\n"
        "ratelimit.over('shared', 'warm-up')  # connect before the start\n"
        "backend = type(caches['default'])\n"
        "print('ready', f'{backend.__module__}.{backend.__name__}', flush=True)\n"
        f"while not os.path.exists({str(go)!r}):\n"
        "    time.sleep(0.001)\n"
        f"print(sum(ratelimit.hit('shared', {key!r}) is None for _ in range({EACH})))\n"
    )
    env = {"DATABASE_URL": shared_database_url(tmp_path), "DJANGO_REDIS_URL": ""}
    if request.param == "redis":
        env["DJANGO_REDIS_URL"] = redis_url()
    workers, backends = [], []
    try:
        # The first one makes the SQLite file's cache table before the second starts.
        for make_table in ("1" if connection.vendor == "sqlite" else "", ""):
            worker = start_django(code, **env, MAKE_CACHE_TABLE=make_table)
            workers.append(worker)
            ready, _, backend = worker.stdout.readline().strip().partition(" ")
            assert ready == "ready", worker.communicate()[1]
            backends.append(backend)
        go.touch()
        results = [worker.communicate(timeout=60) for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    for worker, (_, stderr) in zip(workers, results, strict=True):
        assert worker.returncode == 0, stderr
    return {
        "cache": request.param,
        "backends": backends,
        "allowed": [int(stdout) for stdout, _ in results],
    }


def test_a_limit_holds_across_processes(two_processes):
    # Each counting for itself would let all 50 through, and a count that loses updates
    # more than 30.
    assert sum(two_processes["allowed"]) == LIMIT, two_processes["allowed"]


def test_the_cache_is_one_every_process_shares(two_processes):
    expected = {"database": "studygroup.core.cache.DatabaseCache", "redis": "RedisCache"}
    for backend in two_processes["backends"]:
        assert backend.endswith(expected[two_processes["cache"]]), backend
