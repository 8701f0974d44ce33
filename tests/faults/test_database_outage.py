"""PostgreSQL stopped in the middle of traffic and started again; then frozen (SIGSTOP of
its processes: connections stay open, nothing answers) and thawed; then restarted three times
under continuous posting.

/healthz says 503 while it is down or frozen (within 3 s of a freeze), pages say so politely
(a frozen database within the request deadline), never a 500; the app recovers without a
restart, and no half-written state remains: every acknowledged post is stored exactly once.

Everything runs out of process, as in production: a database of its own
(``studygroup_faults``), prepared with ``manage.py`` and a small setup script, served by
gunicorn with DJANGO_DEBUG=0; members log in and post through the real HTTP forms while the
local cluster is stopped with ``pg_ctlcluster`` and started again. gunicorn and the cluster
are driven by bench/servers.py, the benchmark's supervisor. The suite's own database
connection would die with the server, so pytest-django's test database is never touched.

It stops the machine's PostgreSQL for a few seconds, so it runs alone: the default run
deselects it (``-m "not faults"`` in pyproject.toml); ``make test-faults`` runs it. It needs
root and ``pg_ctlcluster``; without them it skips, or fails when CI is set.
"""

import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from bench import servers
from tests.faults.drills import Client, Response, prepare, refuse, run

pytestmark = [pytest.mark.faults]

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
TEXT_FILE = "content/texts/russian-revolution-part-2.txt"

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
DB_NAME = "studygroup_faults"
PG_URL = f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}"
DB_URL = f"{PG_URL}/{DB_NAME}"
PASSWORD = "outage-drill-" + secrets.token_urlsafe(12)

# The drill's clock, in seconds. The database is down for about OUTAGE_SECONDS plus the time
# PostgreSQL takes to start (well under the 15 s budget); every wait has a bound.
WARM_UP_SECONDS = 2.0  # traffic before the stop
OUTAGE_SECONDS = 6.0  # from the stop to the start command
AFTER_SECONDS = 2.5  # traffic after /healthz is back to 200
HEALTHZ_DOWN_WITHIN = 5.0
RECOVER_WITHIN = 30.0
PG_START_WITHIN = 30.0
REQUEST_TIMEOUT = 12.0  # above the app's own deadline for a frozen database (5 s + 2 s)
FROZEN_SECONDS = 6.0  # PostgreSQL's processes stopped with SIGSTOP
FROZEN_HEALTHZ_WITHIN = 3.0
PAUSE = 0.05  # between one writer's posts
ANSWER_EVERY = 1.5  # a writer answers its next question this often, comments in between
MAX_POSTS_PER_WRITER = 400

LOCATION_ID = re.compile(r"#(answer|comment)-(\d+)$")


# -- the environment ------------------------------------------------------------------------


def _cluster_version() -> str:
    if os.geteuid() != 0:
        refuse("stopping PostgreSQL needs root (pg_ctlcluster)")
    if shutil.which("pg_ctlcluster") is None:
        refuse("pg_ctlcluster is missing (Debian's postgresql-common)")
    version = servers.local_cluster()
    if version is None:
        refuse("no local PostgreSQL cluster 'main' under /etc/postgresql")
    if servers.postmaster_started(PG_URL) is None:
        refuse(f"PostgreSQL does not answer at {PG_HOST}:{PG_PORT}")
    if not Path(servers.GUNICORN).exists():
        refuse(f"gunicorn is not installed beside {sys.executable}")
    return version


def _admin_connection() -> psycopg.Connection:
    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
    )


def _app_env(workdir: Path) -> dict[str, str]:
    return servers.production_env(
        DB_URL,
        workdir / "static",
        DJANGO_CONN_MAX_AGE="60",  # persistent connections: the ones the outage breaks
        PYTHONUNBUFFERED="1",
    )


# -- the drill ------------------------------------------------------------------------------


@dataclass
class Attempt:
    who: str
    kind: str  # "answer" or "comment"
    body: str
    started: float
    ended: float
    response: Response

    @property
    def acknowledged(self) -> bool:
        """A 302 to the new post: what tells the member "saved"."""
        return self.response.status == 302

    @property
    def post_id(self) -> int | None:
        match = LOCATION_ID.search(self.response.location)
        return int(match[2]) if match and match[1] == self.kind else None


@dataclass
class Drill:
    slug: str
    questions: list[int]
    answers: dict[str, int] = field(default_factory=dict)  # writer -> the answer it wrote
    attempts: list[Attempt] = field(default_factory=list)
    final_posts: list[Attempt] = field(default_factory=list)
    final_pages: dict[str, Response] = field(default_factory=dict)  # after the final posts
    stopped_at: float = 0.0  # the stop command issued
    down_at: float = 0.0  # the stop command done: PostgreSQL is not running
    start_at: float = 0.0  # the start command issued
    started_at: float = 0.0  # PostgreSQL answering again
    recovered_at: float = 0.0  # first /healthz 200 after the start
    healthz_down: Response | None = None
    healthz_down_after: float | None = None  # seconds after the stop command returned
    healthz_up_after: float | None = None  # seconds from PostgreSQL answering again
    pages_down: dict[str, Response] = field(default_factory=dict)
    pages_up: dict[str, Response] = field(default_factory=dict)
    master_pid: int = 0
    master_alive_after: bool = False
    workers_before: list[int] = field(default_factory=list)
    workers_after: list[int] = field(default_factory=list)
    log: Path | None = None
    # The freeze: PostgreSQL's processes stopped (SIGSTOP), connections left open.
    healthz_frozen: Response | None = None
    healthz_frozen_after: float | None = None  # seconds after the SIGSTOP
    pages_frozen: dict[str, tuple[Response, float]] = field(default_factory=dict)
    healthz_thawed_after: float | None = None  # seconds after the SIGCONT
    # Restarts under continuous traffic, after the freeze.
    restart_attempts: list[Attempt] = field(default_factory=list)
    restarts: int = 0

    def phase(self, attempt: Attempt) -> str:
        if attempt.ended < self.stopped_at:
            return "before"
        if self.recovered_at and attempt.started > self.recovered_at:
            return "after"
        return "outage"

    def while_down(self) -> list[Attempt]:
        """Posts made wholly while no PostgreSQL was running at all."""
        return [a for a in self.attempts if self.down_at < a.started and a.ended < self.start_at]

    def in_phase(self, phase: str) -> list[Attempt]:
        return [a for a in self.attempts if self.phase(a) == phase]

    def log_tail(self, lines: int = 40) -> str:
        if not self.log or not self.log.exists():
            return ""
        tail = self.log.read_text(errors="replace").splitlines()[-lines:]
        return "\n--- gunicorn log (tail) ---\n" + "\n".join(tail)

    def summary(self) -> str:
        counts = {}
        for a in self.attempts:
            key = (self.phase(a), a.response.status)
            counts[key] = counts.get(key, 0) + 1
        return (
            f"stop took {self.down_at - self.stopped_at:.1f} s; "
            f"outage {self.started_at - self.stopped_at:.1f} s (down for sure "
            f"{self.start_at - self.down_at:.1f} s); /healthz 503 {self.healthz_down_after} s "
            f"after the stop, 200 again {self.healthz_up_after} s after "
            f"PostgreSQL answered; posts by (phase, status): "
            f"{dict(sorted(counts.items(), key=str))}; frozen: /healthz 503 after "
            f"{self.healthz_frozen_after} s, pages "
            f"{ {k: (r.status, round(t, 1)) for k, (r, t) in self.pages_frozen.items()} }, "
            f"200 again {self.healthz_thawed_after} s after the thaw"
        )


def _writer(
    drill: Drill,
    client: Client,
    who: str,
    answer_id: int,
    questions: list[int],
    stop,
    into: list | None = None,
) -> None:
    """Post comments on the other writer's answer, and answer a new question now and then.

    Each comment also writes a reply notification for the answer's author and bumps the
    answer's last_activity, all in one transaction: three rows to be all there or all gone.
    """
    questions = list(questions)
    next_answer = time.monotonic() + ANSWER_EVERY / 2
    for n in range(1, MAX_POSTS_PER_WRITER + 1):
        if stop.is_set():
            return
        if questions and time.monotonic() >= next_answer:
            next_answer += ANSWER_EVERY
            kind, path = "answer", f"/groups/{drill.slug}/questions/{questions.pop(0)}/answer/"
        else:
            kind, path = "comment", f"/groups/{drill.slug}/answers/{answer_id}/comments/"
        body = f"Outage drill {kind} {n} from {who}, {secrets.token_hex(6)}"
        started = time.monotonic()
        response = client.post(path, {"body": body})
        attempt = Attempt(who, kind, body, started, time.monotonic(), response)
        (drill.attempts if into is None else into).append(attempt)
        stop.wait(PAUSE)


def _wait_for_healthz(client: Client, status: int, within: float) -> tuple[Response, float]:
    began = time.monotonic()
    while True:
        r = client.get("/healthz")
        if r.status == status or time.monotonic() - began > within:
            return r, round(time.monotonic() - began, 2)
        time.sleep(0.2)


def _prepare(env: dict[str, str]) -> dict:
    return prepare(DB_NAME, env, PASSWORD, "Outage drill")


def _client(base: str) -> Client:
    return Client(base, PASSWORD, REQUEST_TIMEOUT)


def _drop_database() -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def _outage(drill: Drill, server: servers.Gunicorn, version: str) -> None:
    base = server.url
    writers = {
        "fay": _client(base),
        "max": _client(base),
    }
    for who, client in writers.items():
        client.login(who)
        r = client.post(
            f"/groups/{drill.slug}/questions/{drill.questions[0]}/answer/",
            {"body": f"The first answer, by {who}."},
        )
        match = LOCATION_ID.search(r.location)
        assert r.status == 302 and match, f"{who} answers: {r.status} {r.text[:500]}"
        drill.answers[who] = int(match[2])
    anonymous, member = (
        _client(base),
        _client(base),
    )
    member.login("max")
    drill.master_pid = server.pid
    drill.workers_before = server.workers()

    # Each writer comments on the other's answer (so each comment notifies someone).
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=_writer,
            args=(drill, client, who, drill.answers["max" if who == "fay" else "fay"]),
            kwargs={"questions": drill.questions[1:], "stop": stop},
            name=f"writer-{who}",
            daemon=True,
        )
        for who, client in writers.items()
    ]
    for thread in threads:
        thread.start()
    group_page = f"/groups/{drill.slug}/"
    question_page = f"/groups/{drill.slug}/questions/{drill.questions[0]}/"
    try:
        time.sleep(WARM_UP_SECONDS)
        drill.stopped_at = time.monotonic()
        try:
            servers.cluster(version, "stop")
            drill.down_at = time.monotonic()
            drill.healthz_down, drill.healthz_down_after = _wait_for_healthz(
                anonymous, 503, HEALTHZ_DOWN_WITHIN
            )
            drill.pages_down = {
                "home (anonymous)": anonymous.get("/"),
                "group page (member)": member.get(group_page),
                "question page (member)": member.get(question_page),
            }
            time.sleep(max(0.0, drill.stopped_at + OUTAGE_SECONDS - time.monotonic()))
        finally:
            # Always, whatever failed above: the machine's PostgreSQL comes back.
            drill.start_at = time.monotonic()
            servers.cluster_start(version, PG_START_WITHIN, PG_URL)
            drill.started_at = time.monotonic()
        _, drill.healthz_up_after = _wait_for_healthz(anonymous, 200, RECOVER_WITHIN)
        if drill.healthz_up_after <= RECOVER_WITHIN:
            drill.recovered_at = time.monotonic()
        drill.pages_up = {
            "home (anonymous)": anonymous.get("/"),
            "group page (member)": member.get(group_page),
            "question page (member)": member.get(question_page),
        }
        time.sleep(AFTER_SECONDS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)

    # Posting works again: one more comment each, then seen on the question page.
    for who, client in writers.items():
        body = f"Back after the outage, from {who}, {secrets.token_hex(6)}"
        other = drill.answers["max" if who == "fay" else "fay"]
        started = time.monotonic()
        r = client.post(f"/groups/{drill.slug}/answers/{other}/comments/", {"body": body})
        drill.final_posts.append(Attempt(who, "comment", body, started, time.monotonic(), r))
    drill.final_pages["question page (member)"] = member.get(question_page)
    _freeze(drill, anonymous, member, writers, question_page)
    _restarts(drill, writers, version)
    drill.master_alive_after = server.proc.poll() is None
    drill.workers_after = server.workers()


RESTARTS = 3


def _restarts(drill: Drill, writers: dict, version: str) -> None:
    """PostgreSQL restarted a few times while both writers post without a pause."""
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=_writer,
            args=(drill, client, who, drill.answers["max" if who == "fay" else "fay"]),
            kwargs={"questions": [], "stop": stop, "into": drill.restart_attempts},
            daemon=True,
        )
        for who, client in writers.items()
    ]
    for thread in threads:
        thread.start()
    try:
        for _ in range(RESTARTS):
            time.sleep(1.0)
            try:
                servers.cluster(version, "stop")
            finally:
                servers.cluster_start(version, PG_START_WITHIN, PG_URL)
            drill.restarts += 1
        time.sleep(1.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)


def _postgres_pids() -> list[int]:
    found = subprocess.run(
        ["pgrep", "-u", "postgres", "-x", "postgres"], capture_output=True, text=True
    )
    return [int(pid) for pid in found.stdout.split()]


def _freeze(drill: Drill, anonymous: Client, member: Client, writers: dict, page: str) -> None:
    """PostgreSQL frozen, not stopped: its processes get SIGSTOP, so the app's open
    connections get no answer (nor a refusal); then SIGCONT."""
    pids = _postgres_pids()
    assert pids, "no PostgreSQL processes to freeze"
    try:
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        frozen_at = time.monotonic()
        drill.healthz_frozen, drill.healthz_frozen_after = _wait_for_healthz(
            anonymous, 503, FROZEN_HEALTHZ_WITHIN
        )
        for name, client in (("question page (member)", member), ("home (anonymous)", anonymous)):
            began = time.monotonic()
            drill.pages_frozen[name] = (client.get(page if "member" in name else "/"), 0.0)
            drill.pages_frozen[name] = (drill.pages_frozen[name][0], time.monotonic() - began)
        time.sleep(max(0.0, frozen_at + FROZEN_SECONDS - time.monotonic()))
    finally:
        for pid in pids:  # always: the machine's PostgreSQL runs on
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
    _, drill.healthz_thawed_after = _wait_for_healthz(anonymous, 200, RECOVER_WITHIN)
    for who, client in writers.items():
        body = f"After the freeze, from {who}, {secrets.token_hex(6)}"
        other = drill.answers["max" if who == "fay" else "fay"]
        started = time.monotonic()
        r = client.post(f"/groups/{drill.slug}/answers/{other}/comments/", {"body": body})
        drill.final_posts.append(Attempt(who, "comment", body, started, time.monotonic(), r))


@pytest.fixture(scope="module")
def drill(tmp_path_factory) -> Drill:
    version = _cluster_version()
    workdir = tmp_path_factory.mktemp("faults")
    env = _app_env(workdir)
    server = None
    try:
        began = time.monotonic()
        setup = _prepare(env)
        prepared = time.monotonic()
        drill = Drill(
            slug=setup["slug"], questions=setup["questions"], log=workdir / "gunicorn.log"
        )
        args = ["--graceful-timeout", "5", "--access-logfile", "-"]
        server = servers.Gunicorn(env, drill.log, workers=2, args=args, ready_within=30)
        _outage(drill, server, version)
        print(
            f"\n[faults] set-up {prepared - began:.1f} s, "
            f"drill {time.monotonic() - prepared:.1f} s; {drill.summary()}"
        )
        yield drill
    finally:
        if server is not None:
            server.stop(timeout=15)
        # A no-op unless the drill broke before starting it.
        servers.cluster_start(version, PG_START_WITHIN, PG_URL)
        _drop_database()


@pytest.fixture
def faults_db(drill):
    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=DB_NAME, autocommit=True
    ) as conn:
        yield conn


def _rows(conn: psycopg.Connection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


# -- while it is down -----------------------------------------------------------------------


def test_healthz_says_503_while_the_database_is_down(drill: Drill):
    r = drill.healthz_down
    assert r is not None and r.status == 503, (
        f"/healthz within {HEALTHZ_DOWN_WITHIN} s of the stop: {r}{drill.log_tail()}"
    )
    assert r.text == "database unavailable\n"
    assert drill.healthz_down_after <= HEALTHZ_DOWN_WITHIN


@pytest.mark.parametrize(
    "page", ["home (anonymous)", "group page (member)", "question page (member)"]
)
def test_pages_say_so_politely(drill: Drill, page: str):
    r = drill.pages_down[page]
    assert r.status == 503, f"{page}: {r.status} {r.error} {r.text[:300]}{drill.log_tail()}"
    assert "Back in a moment" in r.text
    assert "Traceback" not in r.text and "Server Error" not in r.text
    assert r.retry_after == "30"


def test_posts_during_the_outage_are_refused_politely(drill: Drill):
    outage = drill.in_phase("outage")
    refused = [a for a in outage if not a.acknowledged]
    assert refused, f"no post met the outage: {drill.summary()}"
    # Every post gets an HTTP answer: saved (302, committed just before the stop), or the
    # polite 503. Never a 500, a traceback, a reset connection or a hang.
    impolite = [
        (round(a.started - drill.stopped_at, 2), a.kind, a.response.status, a.response.error)
        for a in refused
        if a.response.status != 503 or "Back in a moment" not in a.response.text
    ]
    assert not impolite, f"(s after stop, kind, status, error): {impolite}{drill.log_tail()}"
    # With the server wholly down nothing can be saved, so nothing may claim it was. (The
    # outage's edges may see 302s: posts that committed before the stop took effect, or
    # after the start, before /healthz was polled.)
    down = drill.while_down()
    assert len(down) >= 10, drill.summary()
    claimed = [(a.kind, a.response.status) for a in down if a.response.status != 503]
    assert not claimed, f"answers while PostgreSQL was not running: {claimed}"


# -- after it is back -----------------------------------------------------------------------


def test_healthz_recovers_without_a_restart(drill: Drill):
    assert drill.healthz_up_after is not None and drill.healthz_up_after <= RECOVER_WITHIN, (
        f"/healthz not 200 within {RECOVER_WITHIN} s of PostgreSQL's return{drill.log_tail()}"
    )
    # The same gunicorn, and the same workers: they reconnected, nothing was restarted.
    assert drill.master_alive_after
    assert drill.workers_after == drill.workers_before, drill.log_tail()
    assert len(drill.workers_before) == 2


@pytest.mark.parametrize(
    "page", ["home (anonymous)", "group page (member)", "question page (member)"]
)
def test_pages_work_again(drill: Drill, page: str):
    r = drill.pages_up[page]
    assert r.status == 200, f"{page}: {r.status} {r.error} {r.text[:300]}{drill.log_tail()}"
    assert "Back in a moment" not in r.text


def test_posting_works_again(drill: Drill):
    before = drill.in_phase("before")
    assert before and all(a.acknowledged for a in before), drill.summary()
    after = drill.in_phase("after")
    assert after, f"no traffic after the recovery: {drill.summary()}"
    failed = [(a.kind, a.response.status, a.response.error) for a in after if not a.acknowledged]
    assert not failed, f"posts after /healthz was 200 again: {failed}{drill.log_tail()}"
    for post in drill.final_posts:
        assert post.acknowledged, f"{post.who}: {post.response.status} {post.response.text[:300]}"
    # Stored exactly once under the acknowledged id: test_every_acknowledged_post_is_stored_...
    # (The page need not list it: long threads show their first comments only.)
    page = drill.final_pages["question page (member)"]
    assert page.status == 200 and "Back in a moment" not in page.text


# -- what the database holds ----------------------------------------------------------------


def test_every_acknowledged_post_is_stored_exactly_once(drill: Drill, faults_db):
    stored = {
        "answer": dict(
            _rows(
                faults_db,
                "SELECT body, array_agg(id ORDER BY id) FROM discussion_answer GROUP BY body",
            )
        ),
        "comment": dict(
            _rows(
                faults_db,
                "SELECT body, array_agg(id ORDER BY id) FROM discussion_comment GROUP BY body",
            )
        ),
    }
    acknowledged = [
        a for a in drill.attempts + drill.final_posts + drill.restart_attempts if a.acknowledged
    ]
    assert len(acknowledged) > 10, drill.summary()
    wrong = [
        (a.kind, a.body, a.post_id, stored[a.kind].get(a.body))
        for a in acknowledged
        if stored[a.kind].get(a.body) != [a.post_id]
    ]
    assert not wrong, f"(kind, body, id acknowledged, ids stored): {wrong}"


def test_nothing_is_half_written(drill: Drill, faults_db, tmp_path):
    # A post that got no 302 was either rolled back (absent), or -- the in-doubt case -- its
    # COMMIT reached PostgreSQL and succeeded but the connection dropped before the reply, so
    # the app saw an error and answered 503 although the post is saved. Then it is there once
    # and whole (the checks below), never twice, never in part. The 503 page asks the member
    # to try again, so such a post may show up twice only if they resend it, which the drill
    # does not.
    sent = {
        (a.kind, a.body): a for a in drill.attempts + drill.final_posts + drill.restart_attempts
    }
    stored_bodies = {
        ("answer", body): n
        for body, n in _rows(
            faults_db, "SELECT body, count(*) FROM discussion_answer GROUP BY body"
        )
    } | {
        ("comment", body): n
        for body, n in _rows(
            faults_db, "SELECT body, count(*) FROM discussion_comment GROUP BY body"
        )
    }
    unacknowledged = [key for key, a in sent.items() if not a.acknowledged]
    twice = [key for key in unacknowledged if stored_bodies.get(key, 0) > 1]
    assert not twice, f"stored more than once: {twice}"
    in_doubt = [key for key in unacknowledged if stored_bodies.get(key, 0) == 1]
    print(
        f"\n[faults] {len(unacknowledged)} posts not acknowledged, "
        f"{len(in_doubt)} of them saved all the same: {in_doubt}"
    )
    first_answers = {("answer", f"The first answer, by {who}.") for who in drill.answers}
    unknown = set(stored_bodies) - set(sent) - first_answers
    assert not unknown, f"rows nobody sent: {unknown}"

    orphans = _rows(
        faults_db,
        "SELECT c.id FROM discussion_comment c "
        "LEFT JOIN discussion_answer a ON a.id = c.answer_id WHERE a.id IS NULL",
    )
    assert not orphans, f"comments without their answer: {orphans}"
    unrendered = _rows(
        faults_db,
        "SELECT 'answer', id FROM discussion_answer WHERE body <> '' AND body_html = '' "
        "UNION ALL "
        "SELECT 'comment', id FROM discussion_comment WHERE body <> '' AND body_html = ''",
    )
    assert not unrendered, f"posts stored without their HTML: {unrendered}"
    # comment_post writes the comment, bumps the answer's last_activity and queues its news
    # for the task worker (post_told) in one transaction: all three or none.
    stale = _rows(
        faults_db,
        "SELECT a.id FROM discussion_answer a JOIN discussion_comment c ON c.answer_id = a.id "
        "GROUP BY a.id, a.last_activity HAVING max(c.created) > a.last_activity",
    )
    assert not stale, f"answers whose last_activity missed a comment: {stale}"
    untold = _rows(
        faults_db,
        "SELECT c.id FROM discussion_comment c WHERE NOT EXISTS ("
        " SELECT 1 FROM django_tasks_database_dbtaskresult t"
        " WHERE t.task_path LIKE '%.post_told' AND t.args_kwargs->'args'->>1 = 'comment'"
        " AND (t.args_kwargs->'args'->>2)::bigint = c.id)",
    )
    assert not untold, f"comments whose news was never queued: {untold}"
    # The worker, as production runs it beside gunicorn, tells everyone of it now.
    worker = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"]
    run(worker, _app_env(tmp_path))
    if _has_column(faults_db, "notifications_notification", "topic"):
        # Unread replies to one answer are one grouped line: it links to the first comment,
        # names every commenter, and was brought up to date by the latest comment's write.
        notified = _rows(
            faults_db,
            "SELECT a.id, count(DISTINCT n.id) FROM discussion_answer a "
            "JOIN discussion_comment c ON c.answer_id = a.id AND c.author_id <> a.author_id "
            "AND c.parent_id IS NULL "
            "LEFT JOIN notifications_notification n ON n.recipient_id = a.author_id "
            "AND n.kind = 'reply' AND n.topic = 'reply:answer:' || a.id "
            "GROUP BY a.id HAVING count(DISTINCT n.id) <> 1 "
            "OR max(n.created) < max(c.created) "
            "OR max(substring(n.url from '#comment-(\\d+)$')::bigint) <> min(c.id) "
            "OR NOT bool_and(n.actor_ids @> jsonb_build_array(c.author_id))",
        )
        assert not notified, f"(answer, grouped reply lines) not one, or behind: {notified}"
    else:
        notified = _rows(
            faults_db,
            "SELECT c.id, count(n.id) FROM discussion_comment c "
            "JOIN discussion_answer a ON a.id = c.answer_id "
            "LEFT JOIN notifications_notification n ON n.recipient_id = a.author_id "
            "AND n.kind = 'reply' AND substring(n.url from '#comment-(\\d+)$')::bigint = c.id "
            "WHERE c.author_id <> a.author_id GROUP BY c.id HAVING count(n.id) <> 1",
        )
        assert not notified, f"(comment, reply notifications) not exactly one: {notified}"
    dangling = _rows(
        faults_db,
        "SELECT n.id, n.url FROM notifications_notification n WHERE n.kind = 'reply' "
        "AND NOT EXISTS (SELECT 1 FROM discussion_comment c "
        "WHERE c.id = substring(n.url from '#comment-(\\d+)$')::bigint)",
    )
    assert not dangling, f"reply notifications without their comment: {dangling}"

    # Where the schema has them: the comment's path (a second write after its INSERT) and the
    # answer's comment_count (bumped in the same transaction) never lag behind.
    if _has_column(faults_db, "discussion_comment", "path"):
        pathless = _rows(faults_db, "SELECT id FROM discussion_comment WHERE path = ''")
        assert not pathless, f"comments stored without their path: {pathless}"
    if _has_column(faults_db, "discussion_answer", "comment_count"):
        miscounted = _rows(
            faults_db,
            "SELECT a.id, a.comment_count, count(c.id) FROM discussion_answer a "
            "LEFT JOIN discussion_comment c ON c.answer_id = a.id "
            "GROUP BY a.id, a.comment_count HAVING a.comment_count <> count(c.id)",
        )
        assert not miscounted, f"(answer, comment_count, comments): {miscounted}"


def _has_column(conn: psycopg.Connection, table: str, column: str) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            (table, column),
        ).fetchone()
    )


# -- the freeze ------------------------------------------------------------------------------


def test_healthz_says_503_within_seconds_of_a_freeze(drill: Drill):
    assert drill.healthz_frozen is not None and drill.healthz_frozen.status == 503, (
        drill.healthz_frozen
    )
    assert drill.healthz_frozen_after <= FROZEN_HEALTHZ_WITHIN


@pytest.mark.parametrize("page", ["question page (member)", "home (anonymous)"])
def test_a_frozen_database_is_a_503_page_in_seconds_not_a_hang(drill: Drill, page: str):
    response, took = drill.pages_frozen[page]
    assert response.status in (200, 503), f"{page}: {response.status} {response.error}"
    if response.status == 503:
        assert response.retry_after, "a 503 says when to try again"
    assert took < 9, f"{page} took {took:.1f} s"


def test_after_the_thaw_everything_works(drill: Drill):
    assert drill.healthz_thawed_after is not None and drill.healthz_thawed_after < RECOVER_WITHIN
    after = drill.final_posts[-2:]
    assert all(a.acknowledged for a in after), [a.response for a in after]


def test_restarts_under_traffic_give_no_500_and_lose_nothing(drill: Drill):
    assert drill.restarts == RESTARTS
    statuses = [a.response.status for a in drill.restart_attempts]
    assert statuses.count(302) > 10, statuses
    assert set(statuses) <= {302, 503}, [
        (a.response.status, a.response.error, a.response.text[:200])
        for a in drill.restart_attempts
        if a.response.status not in (302, 503)
    ]
