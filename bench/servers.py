"""The servers the bench and the fault tests run the app on: gunicorn started on a free port
of 127.0.0.1 and stopped with its workers, and the local PostgreSQL cluster waited for,
stopped and started (``pg_ctlcluster``, Debian's postgresql-common; root only).

Standard library and psycopg only: the fault tests import it, the bench imports it.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from bench import log

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
HOST = "127.0.0.1"
PG_URL = "postgres://postgres@127.0.0.1:5432"


def production_env(
    database_url: str, static_root: str | Path, secret: str = "", **extra: str
) -> dict[str, str]:
    """The caller's environment with the app in production mode (DJANGO_DEBUG=0) on plain
    HTTP at 127.0.0.1, rate limits off, no Redis (each worker keeps its own cache, as in a
    default deploy), no mail host; ``extra`` set on top."""
    env = dict(os.environ)
    for name in ("DJANGO_REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_EMAIL_HOST"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="studygroup.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secret or secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_RATE_LIMITS="0",
        DATABASE_URL=database_url,
        DJANGO_STATIC_ROOT=str(static_root),  # production templates need the manifest
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``: gunicorn's workers."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return sorted(found)


def healthz(port: int) -> int | None:
    """The status /healthz answers, or None when nothing does."""
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


class Gunicorn:
    """``gunicorn studygroup.wsgi`` on a free port of 127.0.0.1, ready (/healthz 200) when
    the constructor returns; in a process group of its own, so that ``stop`` takes the
    workers with it whatever state the master is in. Always ``stop`` it (try/finally)."""

    def __init__(
        self, env: dict[str, str], logfile: Path, workers: int = 2, args: list[str] = (),
        ready_within: float = 60, cwd: Path = ROOT, gunicorn: str = GUNICORN,
    ) -> None:  # fmt: skip
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.logfile = Path(logfile)
        cmd = [gunicorn, "studygroup.wsgi", "--bind", f"{HOST}:{self.port}"]
        cmd += ["--workers", str(workers), *args]
        cmd += ["--no-control-socket"]  # not the shared ~/.gunicorn/gunicorn.ctl
        self.proc = start_group(cmd, env, self.logfile, cwd)
        self.pid = self.proc.pid
        deadline = time.monotonic() + ready_within
        try:
            while healthz(self.port) != 200:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"gunicorn did not answer /healthz within {ready_within} s "
                        f"(exit code {self.proc.poll()}):\n{self.tail()}"
                    )
                time.sleep(0.2)
        except BaseException:  # an interrupt too: the caller never gets it to stop
            self.stop()
            raise

    def workers(self) -> list[int]:
        return children(self.pid)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 30) -> None:
        """gunicorn's graceful stop, then its whole group killed (``stop_group``)."""
        stop_group(self.proc, timeout)


class TaskWorker:
    """``manage.py db_worker`` beside gunicorn, as production runs it: a post's news is
    worked out there (notifications.rules.post_told), so its CPU is the app's too. Polls
    an idle queue every ``interval`` seconds: by default every second, as deployed (each
    poll costs CPU the pages measured beside it are charged with: at 0.1 s, up to 0.36 ms a
    request); ``drain`` waits until nothing is left ready to run. Only a tree that has the
    database queue (django-tasks-db) has one: ``for_tree`` says."""

    def __init__(self, env: dict[str, str], logfile: Path, cwd: Path = ROOT, interval=1.0):
        self.env, self.logfile = env, Path(logfile)
        cmd = [sys.executable, "manage.py", "db_worker", "--no-startup-delay"]
        cmd += ["--interval", str(interval)]
        self.proc = start_group(cmd, env, self.logfile, cwd)
        self.pid = self.proc.pid

    @staticmethod
    def for_tree(tree: Path) -> bool:
        return "django-tasks-db" in (tree / "pyproject.toml").read_text()

    def drain(self, timeout: float = 30) -> None:
        """Until the queue holds nothing ready (what a measured run queued has been done)."""
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.env["DATABASE_URL"], autocommit=True) as conn:
            while time.monotonic() < deadline:
                ready = conn.execute(
                    "SELECT count(*) FROM django_tasks_database_dbtaskresult"
                    " WHERE status IN ('READY', 'RUNNING') AND (run_after IS NULL"
                    " OR run_after <= now())"
                ).fetchone()[0]
                if not ready:
                    return
                time.sleep(0.1)
        raise RuntimeError(f"the task worker did not drain its queue in {timeout:.0f} s")

    def stop(self) -> None:
        stop_group(self.proc, timeout=10)


class Balancer:
    """HAProxy (Debian's package) on a free port of 127.0.0.1 in front of app servers,
    round robin, each checked on /healthz, with X-Forwarded-For appended (the app counts
    its rate limits per client with DJANGO_PROXY_HOPS=1). Always ``stop`` it."""

    def __init__(self, backends: list[int], workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        config = Path(workdir) / "haproxy.cfg"
        servers = "\n".join(
            f"    server app{n} {HOST}:{port} check inter 1s" for n, port in enumerate(backends)
        )
        config.write_text(
            "global\n    maxconn 512\n"
            "defaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n"
            "    timeout server 30s\n    option forwardfor\n"
            f"frontend web\n    bind {HOST}:{self.port}\n    default_backend app\n"
            f"backend app\n    balance roundrobin\n    option httpchk GET /healthz\n{servers}\n"
        )
        cmd = [tool("haproxy"), "-f", str(config), "-db"]  # -db: in the foreground, no daemon
        self.proc = start_group(cmd, dict(os.environ), Path(workdir) / "haproxy.log", ROOT)
        wait_port(self.port, self.proc, "HAProxy")

    def stop(self) -> None:
        stop_group(self.proc, timeout=5)


class PgBouncer:
    """PgBouncer (Debian's package) in transaction mode on a free port of 127.0.0.1, in
    front of the local PostgreSQL, trusting local clients as it does. The app behind it
    needs DJANGO_DB_POOLED=1 (settings). Always ``stop`` it."""

    def __init__(self, database: str, pool_size: int = 10) -> None:
        self.port = free_port()
        # A folder of its own, that the postgres user can reach (a test's may not be).
        self.workdir = workdir = Path(tempfile.mkdtemp(prefix="studygroup-pgbouncer-"))
        (workdir / "userlist.txt").write_text('"postgres" ""\n')
        config = workdir / "pgbouncer.ini"
        config.write_text(
            f"[databases]\n{database} = host={HOST} port=5432 dbname={database}\n"
            f"[pgbouncer]\nlisten_addr = {HOST}\nlisten_port = {self.port}\n"
            f"auth_type = trust\nauth_file = {workdir / 'userlist.txt'}\n"
            f"pool_mode = transaction\ndefault_pool_size = {pool_size}\n"
            f"unix_socket_dir =\nlogfile = {workdir / 'pgbouncer.log'}\n"
        )
        cmd = [tool("pgbouncer"), str(config)]
        if os.geteuid() == 0:  # PgBouncer will not run as root: as postgres, its folder its own
            for path in [workdir, *workdir.iterdir()]:
                shutil.chown(path, "postgres")
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        self.proc = start_group(cmd, dict(os.environ), workdir / "pgbouncer.out", ROOT)
        wait_port(self.port, self.proc, "PgBouncer")
        self.url = f"postgres://postgres@{HOST}:{self.port}/{database}"

    def stop(self) -> None:
        stop_group(self.proc, timeout=5)
        shutil.rmtree(self.workdir, ignore_errors=True)


def tool(name: str) -> str:
    """A Debian tool's path: on PATH, or in /usr/sbin where its package puts it (a plain
    user's PATH may leave that out)."""
    return shutil.which(name) or f"/usr/sbin/{name}"


def wait_port(port: int, proc: subprocess.Popen, what: str, within: float = 15) -> None:
    """Until something listens on ``port``; RuntimeError if ``proc`` ends first or it takes
    longer than ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.1)
    stop_group(proc, timeout=1)
    raise RuntimeError(f"{what} did not listen on {port} within {within:.0f} s")


def start_group(cmd: list[str], env: dict[str, str], logfile: Path, cwd: Path) -> subprocess.Popen:
    """``cmd`` in a process group of its own (so that stopping it takes its children too),
    its output to ``logfile``."""
    with logfile.open("wb") as out:
        return subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_group(proc: subprocess.Popen, timeout: float) -> None:
    """SIGTERM (a graceful stop), then SIGKILL to the whole process group: a child stuck in
    a request, or orphaned by a parent that died, goes too."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # its own group only (start_new_session)
    proc.wait(timeout=10)


# -- PostgreSQL -------------------------------------------------------------------------------


def postmaster_started(server_url: str = PG_URL) -> str | None:
    """When PostgreSQL last started, or None if it does not answer."""
    try:
        with psycopg.connect(f"{server_url}/postgres", connect_timeout=3) as conn:
            return str(conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0])
    except psycopg.Error:
        return None


def wait_postgres(server_url: str = PG_URL, timeout: float = 300) -> str:
    """Until PostgreSQL answers; its start time. RuntimeError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while (started := postmaster_started(server_url)) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL did not answer within {timeout:.0f} s")
        time.sleep(0.5)
    return started


def steady(what: str, fn, server_url: str = PG_URL, tries: int = 3):
    """``fn()`` with PostgreSQL up throughout: other work on this machine (fault-injection
    tests) may restart it, and a measurement across a restart is redone, not reported."""
    for _ in range(tries):
        if (before := postmaster_started(server_url)) is None:
            log("PostgreSQL does not answer (not ours to start): waiting for it")
            before = wait_postgres(server_url)
        try:
            result = fn()
        except SystemExit:
            if postmaster_started(server_url) == before:
                raise
            result = None
        if postmaster_started(server_url) == before:
            return result
        log(f"PostgreSQL restarted during {what}: doing it again")
    raise SystemExit(f"PostgreSQL kept restarting during {what}")


def local_cluster() -> str | None:
    """The version of the local cluster 'main' that pg_ctlcluster manages, if any."""
    try:
        versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    except OSError:
        return None
    main = [v for v in versions if Path("/etc/postgresql", v, "main").is_dir()]
    return main[0] if main else None


def cluster(version: str, action: str) -> None:
    """``pg_ctlcluster <version> main stop|start`` (a fast stop: sessions are cut off)."""
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action]
    if action == "stop":
        command += ["-m", "fast"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}")


def cluster_start(version: str, timeout: float = 30, server_url: str = PG_URL) -> None:
    """Start the cluster unless it answers already, and wait until it does."""
    if postmaster_started(server_url) is None:
        cluster(version, "start")
    wait_postgres(server_url, timeout)
