"""`make bench`: the app under load on a synthetic data set, on this machine.

    .venv/bin/python bench/run.py            # the default run (~15 minutes)
    .venv/bin/python bench/run.py --small    # a quick one (~3 minutes)

Steps: a fresh PostgreSQL database (``--db``, default studygroup_bench) migrated, the shipped
text imported and ``manage.py bench_data``'s data set built (plus a tiny copy to compare
query counts with); SQL queries per page counted in-process (Django's test client); the whole
1,000-comment tree rendered by us and by django-comments-xtd (bench/xtd_compare.py); then
gunicorn in production mode on 127.0.0.1 and, against it: wrk per page at a fixed
concurrency (three runs, medians), the hot question's first load as its thread grows
(sequential requests), a mixed open-loop load of simulated members, a search for the
highest rate with p95 under 300 ms, and the workers' memory. Prints a table and writes it
into docs/benchmarks.md between the markers of this mode. The database stays for
inspection (``dropdb -h 127.0.0.1 -U postgres studygroup_bench``); gunicorn always stops.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
LUA = BENCH / "wrk_report.lua"
WORK = Path(tempfile.gettempdir()) / "studygroup-bench"
DOC = ROOT / "docs" / "benchmarks.md"
TEXT_FILE = ROOT / "content" / "texts" / "russian-revolution-part-2.txt"
CSRF = "".join(random.Random(5).choices(string.ascii_letters + string.digits, k=32))
P95_LIMIT_MS = 300  # the rate search's bar
REQUEST_TIMEOUT = 60  # seconds the asyncio client waits for a response (a patient browser)
MIXED_P95_TARGET_MS = 150
QUERY_BUDGET = 12

PHASES = ["queries", "xtd", "pages", "growth", "mixed", "rates"]
PRESETS = {
    "default": {
        "groups": 300,
        "members": 20,
        "meetings": 5,
        "hot_answers": 200,
        "hot_comments": 2000,
        "growth": "100,1000,10000",
        "xtd_comments": 1000,
        "measured_groups": 100,
        "duration": 8,
        "warmup": 2,
        "runs": 3,
        "connections": 8,
        "threads": 2,
        "sequential": 30,
        "render_runs": 15,
        "xtd_runs": 7,
        "mixed_members": 200,
        "think": 2.0,
        "mixed_duration": 45,
        "rates": "100,150,200,250,300,400",
        "step_duration": 10,
        "workers": 4,
    },
    "small": {
        "groups": 20,
        "members": 20,
        "meetings": 5,
        "hot_answers": 200,
        "hot_comments": 2000,
        "growth": "100,1000,10000",
        "xtd_comments": 1000,
        "measured_groups": 20,
        "duration": 3,
        "warmup": 1,
        "runs": 3,
        "connections": 8,
        "threads": 2,
        "sequential": 10,
        "render_runs": 7,
        "xtd_runs": 3,
        "mixed_members": 200,
        "think": 2.0,
        "mixed_duration": 15,
        "rates": "100,150,200,300,400",
        "step_duration": 5,
        "workers": 4,
    },
}
# The data set the query counts are compared with: a handful of groups, a short thread.
TINY = ["--groups", "4", "--members", "20", "--meetings", "5", "--hot-answers", "20"]
TINY += ["--hot-comments", "60", "--growth", "", "--measured-groups", "4", "--mixed-members", "40"]


def log(msg: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q / 100 * len(values) + 0.5) - 1))
    return values[k]


# ----------------------------------------------------------------------------- the pages


@dataclass
class Req:
    method: str
    path: str
    session: str = ""
    body: str = ""
    expect: tuple = (200,)

    def cookie(self) -> str:
        parts = []
        if self.session:
            parts.append(f"sessionid={self.session}")
        if self.method == "POST":
            parts.append(f"csrftoken={CSRF}")
        return "; ".join(parts)

    def tsv(self) -> str:
        csrf = CSRF if self.method == "POST" else ""
        return "\t".join([self.method, self.path, self.cookie(), csrf, self.body])

    def raw(self, port: int) -> bytes:
        lines = [
            f"{self.method} {self.path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "User-Agent: studygroup-bench/asyncio",
            "Connection: close",
        ]
        if self.cookie():
            lines.append(f"Cookie: {self.cookie()}")
        body = self.body.encode()
        if self.method == "POST":
            lines += [
                f"X-CSRFToken: {CSRF}",
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


PAGES = [
    # key, label, who asks
    ("home", "home /", "visitor"),
    ("chapter", "chapter 17", "member"),
    ("dashboard", "dashboard", "member"),
    ("group", "group page", "member"),
    ("meeting", "meeting page", "member"),
    ("progress", "progress table", "facilitator"),
    ("question", "question, ordinary", "member"),
    ("hot", "question, hot", "member of its group"),
    ("comment", "post a comment", "member"),
]
LABELS = {key: label for key, label, _ in PAGES}


def chapter_number(manifest: dict) -> int:
    return (
        17 if 17 in manifest["chapters"] else manifest["chapters"][len(manifest["chapters"]) // 2]
    )


def comment_body(n: int) -> str:
    return f"body=A+benchmark+comment+number+{n}%2C+posted+under+load."


def page_requests(manifest: dict) -> dict[str, list[Req]]:
    """Each page's requests, spread over the measured groups and members; wrk cycles them."""
    rng = random.Random(7)
    groups, hot = manifest["groups"], manifest["hot"]
    hot_group = groups[hot["group"]]
    others = [g for n, g in enumerate(groups) if n != hot["group"]] or groups
    members = [m["session"] for m in manifest["mixed"]]
    text, chapter = manifest["text"], chapter_number(manifest)
    pages: dict[str, list[Req]] = {
        "home": [Req("GET", "/")],
        "chapter": [Req("GET", f"/texts/{text}/chapters/{chapter}/", s) for s in members],
        "dashboard": [Req("GET", "/dashboard/", s) for s in members],
        "group": [Req("GET", f"/groups/{g['slug']}/", s) for g in groups for s in g["members"]],
        "meeting": [
            Req("GET", f"/groups/{g['slug']}/meetings/{m}/", g["members"][k % len(g["members"])])
            for g in groups
            for k, m in enumerate(g["meetings"])
            if g["members"]
        ],
        "progress": [
            Req("GET", f"/groups/{g['slug']}/progress/", g["facilitator"]) for g in groups
        ],
        "question": [
            Req("GET", f"/groups/{g['slug']}/questions/{q}/", g["members"][k % len(g["members"])])
            for g in others
            for k, q in enumerate(g["questions"])
            if g["members"]
        ],
        "hot": [
            Req("GET", f"/groups/{hot['slug']}/questions/{hot['question']}/", s)
            for s in hot_group["members"]
        ],
        "comment": [
            Req(
                "POST",
                f"/groups/{manifest['posting']['slug']}/answers/{manifest['posting']['answer']}"
                "/comments/",
                s,
                comment_body(k),
                (302,),
            )
            for k, s in enumerate(manifest["posting"]["sessions"])
        ],
    }
    for key in pages:
        if key != "home":
            rng.shuffle(pages[key])
    return pages


def growth_requests(manifest: dict) -> dict[str, Req]:
    """The first loads compared as the thread grows: one viewer, one URL each."""
    hot = manifest["hot"]
    viewer = manifest["groups"][hot["group"]]["members"][0]
    out = {"hot": Req("GET", f"/groups/{hot['slug']}/questions/{hot['question']}/", viewer)}
    for g in manifest["growth"]:
        out[f"growth-{g['comments']}"] = Req(
            "GET", f"/groups/{hot['slug']}/questions/{g['question']}/", viewer
        )
    other = next(g for n, g in enumerate(manifest["groups"]) if n != hot["group"])
    out["question"] = Req(
        "GET", f"/groups/{other['slug']}/questions/{other['questions'][0]}/", other["members"][0]
    )
    return out


# ----------------------------------------------------------------------------- in-process


def inproc_main(args: argparse.Namespace) -> None:
    """Runs in its own process with the bench database's settings: query counts, EXPLAIN,
    and our render time of the peer tree. Prints nothing but progress; writes JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studygroup.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    manifest = json.loads(Path(args.manifest).read_text())
    out: dict = {"queries": {}, "growth": {}, "explain": {}}

    def fetch(req: Req, client: Client | None = None):
        client = client or Client()
        if req.session:
            client.cookies["sessionid"] = req.session
        if req.method == "POST":
            body = dict(p.split("=", 1) for p in req.body.split("&"))
            response = client.post(req.path, {"body": body["body"].replace("+", " ")})
        else:
            response = client.get(req.path)
        if response.status_code not in req.expect:
            raise SystemExit(f"{req.method} {req.path}: {response.status_code}, not {req.expect}")
        location = response.get("Location", "")
        if "/accounts/login" in location:
            raise SystemExit(f"{req.path}: sent to log in; the bench session does not work")
        return response

    def counted(req: Req):
        client = Client()
        fetch(req, client)  # the first request may touch the session; count the second
        with CaptureQueriesContext(connection) as captured:
            response = fetch(req, client)
        return response, captured.captured_queries

    if args.what == "render":
        out["render"] = render_peer_tree(manifest["xtd"], args.render_runs, fetch, counted)
        Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
        return
    for key, reqs in page_requests(manifest).items():
        counts = []
        for req in reqs[:3]:
            _, queries = counted(req)
            counts.append(len(queries))
        out["queries"][key] = counts
        log(f"  queries {key}: {counts}")

    if args.what == "big":
        for key, req in growth_requests(manifest).items():
            response, queries = counted(req)
            html = response.content.decode()
            slowest = sorted(queries, key=lambda q: -float(q["time"]))[:3]
            out["growth"][key] = {
                "queries": len(queries),
                "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
                "shown": html.count('<li class="comment indent-'),
                "bytes": len(response.content),
                "slowest": [
                    {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:160]}
                    for q in slowest
                ],
            }
            if key in ("hot", "growth-10000"):
                out["explain"][key] = explain(connection, queries)
            log(f"  growth {key}: {out['growth'][key]['queries']} queries")
        if "xtd" in manifest:
            out["render"] = render_peer_tree(manifest["xtd"], args.render_runs, fetch, counted)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")


def explain(connection, queries: list[dict]) -> dict:
    """EXPLAIN ANALYZE of the question page's main queries, on the SQL Django sent."""
    picks = {
        "comments (first screen)": lambda s: (
            'FROM "discussion_comment"' in s and ("ROW_NUMBER()" in s or "first_screen_path" in s)
        ),
        "answers (first page)": lambda s: 'FROM "discussion_answer"' in s and "CASE WHEN" in s,
        "latest activity": lambda s: (
            'FROM "discussion_comment"' in s and '"discussion_comment"."created" DESC' in s
        ),
    }
    plans = {}
    for name, match in picks.items():
        sql = next((q["sql"] for q in queries if match(q["sql"])), None)
        if sql is None:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        plans[name] = {"sql": sql, "plan": plan}
    return plans


def render_peer_tree(xtd: dict, runs: int, fetch, counted) -> dict:
    """Our whole-thread page of the peer tree's answer, in-process: median of ``runs``."""
    from django.test import Client

    req = Req("GET", f"/groups/{xtd['slug']}/answers/{xtd['answer']}/", xtd["session"])
    client = Client()
    html = fetch(req, client).content.decode()
    shown = html.count('<li class="comment indent-')
    if shown != xtd["comments"]:
        raise SystemExit(f"the whole-thread page shows {shown} comments, not {xtd['comments']}")
    fetch(req, client)  # second warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fetch(req, client)
        times.append((time.perf_counter() - started) * 1000)
    _, queries = counted(req)
    log(f"  our whole-thread page: median {median(times):.1f} ms, {len(queries)} queries")
    return {
        "path": req.path,
        "comments": shown,
        "runs": runs,
        "median_ms": round(median(times), 2),
        "min_ms": round(min(times), 2),
        "times_ms": [round(t, 1) for t in times],
        "queries": len(queries),
        "bytes": len(html.encode()),
    }


# ----------------------------------------------------------------------------- setup


def env_for(db_url: str, secret: str, static_root: str, hosts: str = "127.0.0.1") -> dict:
    env = dict(os.environ)
    env.pop("DJANGO_REDIS_URL", None)  # each worker's own cache, as in a default deploy
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "studygroup.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secret,
            "DJANGO_ALLOWED_HOSTS": hosts,
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_RATE_LIMITS": "0",
            "DATABASE_URL": db_url,
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_STATIC_ROOT": static_root,
        }
    )
    return env


def run(cmd: list[str], env: dict, what: str, timeout: float = 1800) -> str:
    started = time.monotonic()
    result = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=sys.stderr,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise SystemExit(f"{what} failed (exit {result.returncode}): {' '.join(cmd)}")
    log(f"{what}: {time.monotonic() - started:.1f} s")
    return result.stdout


PG_SERVER = "postgres://postgres@127.0.0.1:5432"  # set from --pg
T0 = time.monotonic()


def postmaster_started() -> str | None:
    """When PostgreSQL last started, or None if it does not answer."""
    import psycopg

    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3) as conn:
            return str(conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0])
    except psycopg.Error:
        return None


def wait_postgres(timeout: float = 300) -> str:
    deadline, told = time.monotonic() + timeout, False
    while time.monotonic() < deadline:
        started = postmaster_started()
        if started:
            return started
        if not told:
            log("PostgreSQL does not answer (not ours to start): waiting for it")
            told = True
        time.sleep(2)
    raise SystemExit(f"PostgreSQL did not answer for {timeout} s")


def steady(what: str, fn, tries: int = 3):
    """``fn()`` with PostgreSQL up throughout: other work on this machine (fault-injection
    tests) may restart it, and a measurement across a restart is redone, not reported."""
    for _ in range(tries):
        before = wait_postgres()
        try:
            result = fn()
        except SystemExit:
            if postmaster_started() == before:
                raise
            result = None
        if postmaster_started() == before:
            return result
        log(f"PostgreSQL restarted during {what}: doing it again")
    raise SystemExit(f"PostgreSQL kept restarting during {what}")


def inproc(args, manifest: dict, what: str, static_root: str) -> dict:
    """The in-process measurements, in a process of their own (the bench database's
    settings, production mode): see inproc_main."""
    name = f"{args.db}_tiny" if what == "small" else args.db
    out = WORK / f"inproc-{what}.json"
    cmd = [PYTHON, __file__, "inproc", "--manifest", str(WORK / f"{name}.json")]
    cmd += ["--out", str(out), "--what", what, "--render-runs", str(args.render_runs)]
    env = env_for(manifest["db_url"], manifest["secret"], static_root, hosts="testserver")
    run(cmd, env, f"in-process measurements ({what} data set)")
    return json.loads(out.read_text())


def recreate_database(server: str, name: str, template: str | None = None) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if template:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        else:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def build(args, secret: str, static_root: str) -> tuple[dict, dict | None]:
    """The bench database and its tiny twin; returns both manifests."""
    big_url, tiny_url = f"{args.pg}/{args.db}", f"{args.pg}/{args.db}_tiny"
    recreate_database(args.pg, args.db)
    env = env_for(big_url, secret, static_root)
    run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], env, "migrate")
    run([PYTHON, "manage.py", "import_text", str(TEXT_FILE)], env, "import_text")
    if args.compare_small:  # a copy of the empty, migrated database: cheaper than migrating
        recreate_database(args.pg, f"{args.db}_tiny", template=args.db)
    tree = WORK / f"xtd-tree-{args.xtd_comments}.json"
    data = [PYTHON, "manage.py", "bench_data"]
    sizes = ["--groups", str(args.groups), "--members", str(args.members)]
    sizes += ["--meetings", str(args.meetings), "--hot-answers", str(args.hot_answers)]
    sizes += ["--hot-comments", str(args.hot_comments), "--growth", args.growth]
    sizes += ["--measured-groups", str(args.measured_groups)]
    sizes += ["--mixed-members", str(args.mixed_members)]
    if args.xtd:
        run(
            [
                PYTHON,
                str(BENCH / "xtd_compare.py"),
                "--make-tree",
                str(tree),
                "--comments",
                str(args.xtd_comments),
                "--max-depth",
                "8",
                "--seed",
                "1",
            ],
            env,
            "peer tree",
        )
        sizes += ["--xtd-tree", str(tree)]
    manifest_path = WORK / f"{args.db}.json"
    run(data + sizes + ["--manifest", str(manifest_path)], env, "data set")
    manifest = json.loads(manifest_path.read_text()) | {"secret": secret, "db_url": big_url}
    manifest_path.write_text(json.dumps(manifest, indent=1))
    tiny = None
    if args.compare_small:
        tiny_path = WORK / f"{args.db}_tiny.json"
        run(
            data + TINY + ["--manifest", str(tiny_path)],
            env_for(tiny_url, secret, static_root),
            "tiny data set",
        )
        tiny = json.loads(tiny_path.read_text()) | {"secret": secret, "db_url": tiny_url}
        tiny_path.write_text(json.dumps(tiny, indent=1))
    return manifest, tiny


# ----------------------------------------------------------------------------- gunicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_request(port: int, req: Req, timeout: float = 30) -> tuple[int, dict, bytes, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"User-Agent": "studygroup-bench/http.client"}
        if req.cookie():
            headers["Cookie"] = req.cookie()
        if req.method == "POST":
            headers["X-CSRFToken"] = CSRF
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(req.method, req.path, body=req.body or None, headers=headers)
        response = conn.getresponse()
        body = response.read()
        return response.status, dict(response.getheaders()), body, time.perf_counter() - started
    finally:
        conn.close()


class Server:
    def __init__(self, args, env: dict, logfile: Path):
        self.port = free_port()
        self.logfile = logfile
        cmd = [GUNICORN, "studygroup.wsgi", "--workers", str(args.workers)]
        cmd += ["--bind", f"127.0.0.1:{self.port}", "--worker-class", "sync", "--timeout", "60"]
        self.cmd = cmd
        self.log = logfile.open("w")
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=self.log, stderr=self.log, start_new_session=True
        )
        log(f"gunicorn pid {self.proc.pid} on 127.0.0.1:{self.port}, {args.workers} sync workers")

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                if http_request(self.port, Req("GET", "/healthz"), timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer /healthz within {timeout} s:\n{self.tail()}")

    def tail(self) -> str:
        self.log.flush()
        return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-30:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # gunicorn's graceful stop
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own process group only
                self.proc.wait(timeout=10)
        self.log.close()
        log("gunicorn stopped")


def memory(master: int) -> dict:
    """RSS and PSS (shared pages split among their users) of the master and its workers."""
    pids = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))

    def field_kb(path: Path, name: str) -> int | None:
        try:
            for line in path.read_text().splitlines():
                if line.startswith(name + ":"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    procs = []
    for pid in pids:
        procs.append(
            {
                "pid": pid,
                "role": "master" if pid == master else "worker",
                "rss_mb": round((field_kb(Path(f"/proc/{pid}/status"), "VmRSS") or 0) / 1024, 1),
                "pss_mb": round(
                    (field_kb(Path(f"/proc/{pid}/smaps_rollup"), "Pss") or 0) / 1024, 1
                ),
            }
        )
    return {
        "processes": procs,
        "total_rss_mb": round(sum(p["rss_mb"] for p in procs), 1),
        "total_pss_mb": round(sum(p["pss_mb"] for p in procs), 1),
    }


# ----------------------------------------------------------------------------- load


def wrk(port: int, requests_file: Path, args, duration: float) -> dict:
    duration = max(1, round(duration))  # wrk takes whole seconds
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s"]
    cmd += [
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}/",
        "--",
        str(requests_file),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise SystemExit(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    r = json.loads(lines[-1])
    seconds = r["duration_us"] / 1e6
    errors = sum(r[k] for k in ("status_errors", "connect_errors", "read_errors", "write_errors"))
    return {
        "requests": r["requests"],
        "rps": round(r["requests"] / seconds, 1),
        "p50_ms": round(r["p50_us"] / 1000, 1),
        "p95_ms": round(r["p95_us"] / 1000, 1),
        "p99_ms": round(r["p99_us"] / 1000, 1),
        "errors": errors + r["timeouts"],
        "status_errors": r["status_errors"],
    }


def per_page(port: int, pages: dict[str, list[Req]], args) -> dict:
    files = {}
    for key, reqs in pages.items():
        files[key] = WORK / f"requests-{key}.tsv"
        files[key].write_text("\n".join(r.tsv() for r in reqs) + "\n")
    runs: dict[str, list[dict]] = defaultdict(list)
    for key in pages:  # warm every worker's caches and connections first
        steady(f"warm-up {key}", lambda key=key: wrk(port, files[key], args, args.warmup))
    for n in range(args.runs):  # runs outside, pages inside: drift spreads over all pages
        wait_quiet(args.quiet_wait)
        for key in pages:
            r = steady(f"wrk {key}", lambda key=key: wrk(port, files[key], args, args.duration))
            runs[key].append(r)
            log(
                f"  run {n + 1} {key:10} {r['rps']:7.1f} req/s  p50 {r['p50_ms']:6.1f} ms  "
                f"p95 {r['p95_ms']:6.1f} ms  errors {r['errors']}"
            )
    out = {}
    for key, rs in runs.items():
        out[key] = {
            "p50_ms": median(r["p50_ms"] for r in rs),
            "p95_ms": median(r["p95_ms"] for r in rs),
            "rps": median(r["rps"] for r in rs),
            "errors": sum(r["errors"] for r in rs),
            "requests": sum(r["requests"] for r in rs),
            "runs": rs,
        }
    return out


def growth(port: int, reqs: dict[str, Req], args) -> dict:
    """Sequential first loads, pages interleaved; medians per run and ratios within runs."""
    for req in reqs.values():
        for _ in range(2):
            http_request(port, req)
    per_run = []

    def one_run() -> dict[str, list[float]]:
        times: dict[str, list[float]] = defaultdict(list)
        for _ in range(args.sequential):
            for key, req in reqs.items():
                status, _, _, seconds = http_request(port, req)
                if status != 200:
                    raise SystemExit(f"{req.path}: {status}")
                times[key].append(seconds * 1000)
        return times

    for _ in range(args.runs):
        wait_quiet(args.quiet_wait)
        times = steady("first loads", one_run)
        medians = {key: statistics.median(t) for key, t in times.items()}
        base = medians.get("growth-100")
        per_run.append(
            {
                "median_ms": {k: round(v, 1) for k, v in medians.items()},
                "vs_100": {k: round(v / base, 2) for k, v in medians.items()} if base else {},
                "hot_vs_ordinary": round(medians["hot"] / medians["question"], 2),
            }
        )
        log(f"  growth run: {per_run[-1]['median_ms']}")
    keys = list(reqs)
    return {
        "median_ms": {k: round(median(r["median_ms"][k] for r in per_run), 1) for k in keys},
        "vs_100": {
            k: round(median(r["vs_100"].get(k) for r in per_run), 2)
            for k in keys
            if per_run[0]["vs_100"]
        },
        "hot_vs_ordinary": round(median(r["hot_vs_ordinary"] for r in per_run), 2),
        "runs": per_run,
    }


@dataclass
class Member:
    session: str
    group: dict
    hot: bool


@dataclass
class LoadStats:
    latencies: dict = field(default_factory=lambda: defaultdict(list))
    errors: dict = field(default_factory=lambda: defaultdict(int))
    statuses: dict = field(default_factory=lambda: defaultdict(int))
    sent: int = 0
    shed: int = 0
    unfinished: int = 0
    http_errors: int = 0
    connection_errors: int = 0


MIX = [("dashboard", 15), ("group", 15), ("meeting", 15), ("question", 30), ("chapter", 20)]
MIX += [("comment", 5)]


def member_action(rng: random.Random, m: Member, manifest: dict, counter: list[int]):
    kind = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
    g, slug = m.group, m.group["slug"]
    if kind == "dashboard":
        return kind, Req("GET", "/dashboard/", m.session)
    if kind == "group":
        return kind, Req("GET", f"/groups/{slug}/", m.session)
    if kind == "meeting":
        return kind, Req("GET", f"/groups/{slug}/meetings/{rng.choice(g['meetings'])}/", m.session)
    if kind == "chapter":
        number = rng.choice(manifest["chapters"])
        return kind, Req("GET", f"/texts/{manifest['text']}/chapters/{number}/", m.session)
    if kind == "question":
        if m.hot and rng.random() < 0.5:
            q = manifest["hot"]["question"]
            return "hot", Req("GET", f"/groups/{slug}/questions/{q}/", m.session)
        return kind, Req(
            "GET", f"/groups/{slug}/questions/{rng.choice(g['questions'])}/", m.session
        )
    counter[0] += 1
    answer = rng.choice(g["answers"])
    path = f"/groups/{slug}/answers/{answer}/comments/"
    return kind, Req("POST", path, m.session, comment_body(counter[0]), (302,))


async def fetch_async(port: int, req: Req, timeout: float) -> int:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        writer.write(req.raw(port))
        await writer.drain()
        data = await asyncio.wait_for(reader.read(-1), timeout)  # Connection: close
    finally:
        writer.close()
    if not data.startswith(b"HTTP/1."):
        raise ConnectionError("no HTTP response")
    return int(data[9:12])


async def open_loop(
    port, manifest, members: list[Member], think: float, duration: float, seed: int
):
    """Each member acts after an exponential think time, whether or not their last page has
    come back (open loop): latencies count from the planned send time."""
    stats = LoadStats()
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    tasks: set[asyncio.Task] = set()
    counter = [seed * 100000]
    max_inflight = 600  # past this the server is seconds behind: shed, count as errors

    async def one(kind: str, req: Req, planned: float) -> None:
        try:
            status = await fetch_async(port, req, REQUEST_TIMEOUT)
        except (OSError, TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            stats.errors[kind] += 1
            stats.statuses["connection"] += 1
            stats.connection_errors += 1
            return
        stats.statuses[status] += 1
        if status not in req.expect:
            stats.errors[kind] += 1
            stats.http_errors += 1
        stats.latencies[kind].append((loop.time() - planned) * 1000)

    async def member(m: Member, rng: random.Random) -> None:
        planned = start + rng.expovariate(1 / think)
        while planned < start + duration:
            delay = planned - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            kind, req = member_action(rng, m, manifest, counter)
            stats.sent += 1
            if len(tasks) >= max_inflight:
                stats.shed += 1
                stats.errors[kind] += 1
            else:
                task = asyncio.create_task(one(kind, req, planned))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            planned += rng.expovariate(1 / think)

    master = random.Random(seed)
    await asyncio.gather(*(member(m, random.Random(master.random())) for m in members))
    if tasks:
        _, pending = await asyncio.wait(set(tasks), timeout=REQUEST_TIMEOUT)
        for task in pending:  # still unanswered long after the load stopped: errors
            task.cancel()
            stats.unfinished += 1
            stats.errors["unfinished"] += 1
    elapsed = loop.time() - start
    return stats, elapsed


def summarize(stats: LoadStats, elapsed: float, duration: float) -> dict:
    pages = {}
    every = []
    for kind in sorted(set(stats.latencies) | set(stats.errors)):
        lat = stats.latencies.get(kind, [])
        every += lat
        pages[kind] = {
            "requests": len(lat),
            "p50_ms": round(percentile(lat, 50), 1) if lat else None,
            "p95_ms": round(percentile(lat, 95), 1) if lat else None,
            "errors": stats.errors.get(kind, 0),
        }
    done = sum(len(v) for v in stats.latencies.values())
    return {
        "offered_rps": round(stats.sent / duration, 1),
        "achieved_rps": round(done / max(elapsed, duration), 1),
        "requests": done,
        "errors": stats.http_errors + stats.connection_errors + stats.shed + stats.unfinished,
        "sent": stats.sent,
        "shed": stats.shed,
        "unfinished": stats.unfinished,
        "http_errors": stats.http_errors,
        "connection_errors": stats.connection_errors,
        "statuses": {str(k): v for k, v in stats.statuses.items()},
        "p50_ms": round(percentile(every, 50), 1) if every else None,
        "p95_ms": round(percentile(every, 95), 1) if every else None,
        "pages": pages,
    }


def simulated_members(manifest: dict, count: int) -> list[Member]:
    groups = manifest["groups"]
    members = [
        Member(m["session"], groups[m["group"]], m["group"] == manifest["hot"]["group"])
        for m in manifest["mixed"]
    ]
    return (members * (count // max(1, len(members)) + 1))[:count]


def mixed(port: int, manifest: dict, args) -> dict:
    members = simulated_members(manifest, args.mixed_members)
    wait_quiet(args.quiet_wait)
    stats, elapsed = steady(
        "mixed load",
        lambda: asyncio.run(
            open_loop(port, manifest, members, args.think, args.mixed_duration, seed=1)
        ),
    )
    return summarize(stats, elapsed, args.mixed_duration)


def settle(port: int, timeout: float = 120) -> None:
    """Wait until the server has worked off what an overload left queued: /healthz quick."""
    deadline, quick = time.monotonic() + timeout, 0
    while time.monotonic() < deadline and quick < 3:
        try:
            quick = quick + 1 if http_request(port, Req("GET", "/healthz"), 30)[3] < 0.05 else 0
        except OSError:
            quick = 0
        time.sleep(0.2)


def rate_step(port: int, manifest: dict, args, rate: int, seed: int) -> dict:
    members = simulated_members(manifest, args.mixed_members)
    think = len(members) / rate
    wait_quiet(args.quiet_wait)
    stats, elapsed = steady(
        f"rate step {rate}/s",
        lambda: asyncio.run(open_loop(port, manifest, members, think, args.step_duration, seed)),
    )
    s = summarize(stats, elapsed, args.step_duration)
    ok = (
        s["p95_ms"] is not None
        and s["p95_ms"] < P95_LIMIT_MS
        and s["errors"] == 0
        and s["achieved_rps"] >= 0.9 * rate
    )
    log(
        f"  offered {rate}/s: achieved {s['achieved_rps']}/s, p50 {s['p50_ms']} ms, "
        f"p95 {s['p95_ms']} ms, errors {s['errors']} -> {'ok' if ok else 'over'}"
    )
    settle(port)
    return {"rate": rate, "ok": ok} | {k: v for k, v in s.items() if k != "pages"}


def rate_search(port: int, manifest: dict, args) -> dict:
    """Step the offered rate up until p95 passes the bar; if the first step fails already,
    halve it until one passes; then one step halfway between the last pass and first fail."""
    steps: list[dict] = []
    best, worst = None, None
    for rate in (int(r) for r in args.rates.split(",")):
        steps.append(rate_step(port, manifest, args, rate, seed=10 + len(steps)))
        if not steps[-1]["ok"]:
            worst = rate
            break
        best = rate
    rate = worst
    while best is None and rate and rate >= 20:
        rate //= 2
        steps.append(rate_step(port, manifest, args, rate, seed=10 + len(steps)))
        if steps[-1]["ok"]:
            best = rate
        else:
            worst = rate
    if best and worst and worst - best > 0.2 * best:
        rate = (best + worst) // 2
        steps.append(rate_step(port, manifest, args, rate, seed=10 + len(steps)))
        best = rate if steps[-1]["ok"] else best
    return {"best_rps": best, "steps": sorted(steps, key=lambda s: s["rate"])}


# ----------------------------------------------------------------------------- report


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem = 0
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": (wrk_version.split("[")[0].strip() or "wrk"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


CPU_CONTEXT: dict = {"server": None, "db": "studygroup_bench"}


class CpuMeter(threading.Thread):
    """Adds up the CPU ticks of the benchmark's own processes, sampling /proc every second
    so that short-lived ones (a PostgreSQL backend whose connection gunicorn recycles) are
    counted too: the client (this process and the children it has waited for: wrk, the
    in-process and xtd measurements), the app (gunicorn and its workers), the database
    (PostgreSQL backends serving the bench database). The rest of the machine's busy time
    is other work."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.lock = threading.Lock()
        self.totals = {"client": 0, "app": 0, "db": 0}
        self.seen: dict[int, int] = {}
        self.started = False
        self.sample()
        self.started = True

    def run(self) -> None:
        while True:
            time.sleep(1)
            with self.lock:
                self.sample()

    def sample(self) -> None:
        db, server = CPU_CONTEXT["db"], CPU_CONTEXT["server"]
        alive = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            rest = stat.rsplit(")", 1)[1].split()
            pid, ppid = int(entry.name), int(rest[1])
            utime, stime, cutime, cstime = (int(x) for x in rest[11:15])
            if pid == os.getpid():
                kind, ticks = "client", utime + stime + cutime + cstime
            elif server and server in (pid, ppid):
                kind, ticks = "app", utime + stime
            elif cmd.startswith("postgres: ") and f" {db} " in cmd:
                kind, ticks = "db", utime + stime
            else:
                continue
            # A process first seen after the first sample started since: all its ticks count.
            before = self.seen.get(pid, 0 if self.started else ticks)
            self.totals[kind] += max(0, ticks - before)
            alive[pid] = ticks
        self.seen = alive

    def snapshot(self) -> dict[str, int]:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        with self.lock:
            self.sample()
            busy = sum(int(x) for x in fields[:8]) - int(fields[3]) - int(fields[4])
            return {"busy": busy, **self.totals}


METER: CpuMeter | None = None


def cpu_ticks() -> dict[str, int]:
    """CPU ticks so far: the whole machine's busy time and the benchmark's parts (CpuMeter)."""
    global METER
    if METER is None:
        METER = CpuMeter()
        METER.start()
    return METER.snapshot()


def shares(before: dict, after: dict, seconds: float) -> dict[str, float]:
    """Percent of the whole machine (all cores) each part took between two cpu_ticks()."""
    capacity = os.sysconf("SC_CLK_TCK") * (os.cpu_count() or 1) * seconds
    delta = {k: after[k] - before[k] for k in after}
    delta["others"] = max(0, delta["busy"] - delta["client"] - delta["app"] - delta["db"])
    return {k: round(100 * max(0, v) / capacity, 1) for k, v in delta.items()}


def others_share(seconds: float = 2.0) -> float:
    """The share of the machine's CPU that other processes take, over ``seconds``."""
    started, before = time.monotonic(), cpu_ticks()
    time.sleep(seconds)
    return shares(before, cpu_ticks(), time.monotonic() - started)["others"] / 100


def wait_quiet(limit: float) -> float | None:
    """Wait, at most ``limit`` seconds, for a moment when other work takes under a quarter
    of the CPU, so that a measurement starts on a machine as quiet as it gets. Returns the
    share seen last (None if not looked)."""
    if limit <= 0:
        return None
    deadline, told = time.monotonic() + limit, False
    while True:
        share = others_share()
        if share < 0.25 or time.monotonic() >= deadline:
            return round(100 * share, 1)
        if not told:
            log(f"  other processes take {100 * share:.0f} % of the CPU: waiting up to {limit} s")
            told = True


def phase(res: dict, name: str) -> None:
    """Log a phase, and note how busy the machine was with other work during the last one
    (the load average, and the CPU other processes took)."""
    log(name)
    now, ticks = time.monotonic(), cpu_ticks()
    marks = res.setdefault("load", [])
    if marks:
        last = marks[-1]
        last["cpu_pct"] = shares(last["_ticks"], ticks, now - last["_t"])
        last["seconds"] = round(now - last["_t"])
    marks.append(
        {
            "phase": name,
            "at_s": round(now - T0),
            "loadavg": os.getloadavg()[0],
            "_t": now,
            "_ticks": ticks,
        }
    )


def git_commit() -> str:
    """The app's commit, and whether the work tree differs from it outside bench/ and docs/."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", ".", ":!bench", ":!docs", ":!Makefile"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")


def versions(db_url: str) -> dict:
    import django
    import psycopg

    with psycopg.connect(db_url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    gunicorn = subprocess.run([GUNICORN, "--version"], capture_output=True, text=True).stdout
    return {"django": django.get_version(), "postgresql": pg, "gunicorn": gunicorn.strip()}


def targets(res: dict) -> list[dict]:
    out = []
    q, small = res.get("queries", {}), res.get("queries_small", {})
    if q:
        over = [f"{LABELS[k]} {qcount(v)}" for k, v in q.items() if max(v) > QUERY_BUDGET]
        worst = max((max(v), k) for k, v in q.items())
        out.append(
            {
                "target": f"every page at most {QUERY_BUDGET} SQL queries",
                "measured": "over: " + ", ".join(over)
                if over
                else f"at most {worst[0]} ({LABELS[worst[1]]})",
                "met": not over,
            }
        )
    flat = {k: sorted(set(v)) == sorted(set(small.get(k, v))) for k, v in q.items()}
    if q and small:
        differ = [LABELS[k] for k, same in flat.items() if not same]
        out.append(
            {
                "target": "the same number on the big data set as on a small one",
                "measured": "same on every page" if not differ else "differs: " + ", ".join(differ),
                "met": not differ,
            }
        )
    g = res.get("growth")
    if g:
        out.append(
            {
                "target": "hot question's first load within 1.5x an ordinary question's",
                "measured": f"{g['hot_vs_ordinary']}x ({g['median_ms']['hot']} vs "
                f"{g['median_ms']['question']} ms)",
                "met": g["hot_vs_ordinary"] <= 1.5,
            }
        )
        if "growth-10000" in g["vs_100"]:
            out.append(
                {
                    "target": "10,000-comment first load about a 100-comment one's (<= 1.5x)",
                    "measured": f"{g['vs_100']['growth-10000']}x "
                    f"({g['median_ms']['growth-10000']} vs {g['median_ms']['growth-100']} ms)",
                    "met": g["vs_100"]["growth-10000"] <= 1.5,
                }
            )
    x = res.get("xtd")
    if x and x.get("ratio"):
        out.append(
            {
                "target": "whole 1,000-comment tree >= 5x faster than django-comments-xtd",
                "measured": f"{x['ratio']}x ({x['ours_ms']} vs {x['xtd_ms']} ms)",
                "met": x["ratio"] >= 5,
            }
        )
    m = res.get("mixed")
    if m:
        worst_page = max(
            ((p["p95_ms"] or 0, k) for k, p in m["pages"].items()), default=(0, "none")
        )
        out.append(
            {
                "target": f"mixed load ~100 req/s: p95 < {MIXED_P95_TARGET_MS} ms on every page",
                "measured": f"worst p95 {worst_page[0]} ms ({worst_page[1]}); overall "
                f"{m['p95_ms']} ms at {m['achieved_rps']} req/s",
                "met": worst_page[0] < MIXED_P95_TARGET_MS,
            }
        )
        out.append(
            {
                "target": "mixed load: no errors",
                "measured": f"{m['errors']} of {m['sent']} requests failed: {m['http_errors']} "
                f"HTTP errors, {m['connection_errors']} connection errors or timeouts, "
                f"{m['shed']} shed by the client",
                "met": m["errors"] == 0,
            }
        )
    r = res.get("rates")
    if r:
        out.append(
            {
                "target": f"report the highest rate with p95 < {P95_LIMIT_MS} ms",
                "measured": f"{r['best_rps']} req/s" if r["best_rps"] else "none of the steps",
                "met": None,
            }
        )
    return out


def fmt(v, unit: str = "") -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        v = f"{v:.1f}" if v < 100 else f"{v:.0f}"
    return f"{v}{unit}"


def qcount(counts: list[int] | None) -> str:
    if not counts:
        return "–"
    lo, hi = min(counts), max(counts)
    return str(lo) if lo == hi else f"{lo}–{hi}"


def report_markdown(res: dict) -> str:
    a = res["args"]
    c = res["counts"]
    m = res["machine"]
    v = res["versions"]
    lines = [
        f"Run of {res['started']} ({res['mode']} sizes), {res['seconds'] / 60:.1f} minutes "
        f"all told: `{res['command']}`, the app at commit {res.get('commit', '?')}.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Linux {m['kernel']}; "
        f"load average {m['load_average_at_start']} when the run started (other work shares "
        f"the machine, and so do the load tools). PostgreSQL {v['postgresql']} on the same "
        f"machine, Python {m['python']}, Django {v['django']}, {v['gunicorn']} with "
        f"{a['workers']} sync workers, {m['wrk']}.",
        "",
        f"Data set (`{a['db']}`): {c['users']:,} users, {c['groups']:,} groups, "
        f"{c['memberships']:,} memberships, {c['meetings']:,} meetings, {c['answers']:,} "
        f"answers, {c['comments']:,} comments, {c['reading_marks']:,} reading marks, "
        f"{c['notifications']:,} notifications, {c['sessions']:,} sessions; built in "
        f"{res['build_seconds']} s. The hot question: {res['hot']['answers']} answers, "
        f"{res['hot']['comments']:,} comments nested up to depth 8.",
        "",
        "### Per page",
        "",
        f"wrk, {a['connections']} connections ({a['threads']} threads), {a['duration']} s a run "
        f"after a {a['warmup']} s warm-up, {a['runs']} runs, medians; requests rotate over the "
        "measured groups and members. Queries: per request, counted in-process with Django's "
        "test client on this data set and on a tiny one (4 groups, a 60-comment hot thread).",
        "",
        "| page | as | median ms | p95 ms | req/s | errors | queries (big) | queries (tiny) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    who = {key: w for key, _, w in PAGES}
    for key, label, _ in PAGES:
        p = res.get("pages", {}).get(key, {})
        lines.append(
            f"| {label} | {who[key]} | {fmt(p.get('p50_ms'))} | {fmt(p.get('p95_ms'))} | "
            f"{fmt(p.get('rps'))} | {p.get('errors', '–')} | "
            f"{qcount(res.get('queries', {}).get(key))} | "
            f"{qcount(res.get('queries_small', {}).get(key))} |"
        )
    g = res.get("growth")
    if g:
        lines += [
            "",
            "### The hot question's first load as its thread grows",
            "",
            f"Sequential GETs of the whole page (one at a time, a new connection each), "
            f"{a['sequential']} per page a run, pages interleaved, {a['runs']} runs: the median "
            "of the runs' medians, and ratios taken within each run (median of the runs). "
            "The growth questions are group-only questions of the hot group, 12 answers each, "
            "their comments spread over the answers and nested up to depth 8.",
            "",
            "| page | comments | shown first | median ms | × 100-comment | queries | SQL ms |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        inproc = res.get("growth_queries", {})
        sizes = {f"growth-{x['comments']}": x["comments"] for x in res.get("growth_sizes", [])}
        sizes["hot"] = res["hot"]["comments"]
        names = {"question": "ordinary question", "hot": "hot question"}
        for key in g["median_ms"]:
            gi = inproc.get(key, {})
            size = f"{sizes[key]:,}" if key in sizes else "–"
            lines.append(
                f"| {names.get(key, key)} | {size} | {gi.get('shown', '–')} | "
                f"{g['median_ms'][key]} | {g['vs_100'].get(key, '–')} | "
                f"{gi.get('queries', '–')} | {gi.get('sql_ms', '–')} |"
            )
        lines += [
            "",
            f"Hot question vs ordinary question, first load: **{g['hot_vs_ordinary']}×** "
            f"(per run: {', '.join(str(r['hot_vs_ordinary']) for r in g['runs'])}).",
        ]
    x = res.get("xtd")
    if x:
        lines += [
            "",
            "### Against django-comments-xtd: the whole 1,000-comment tree",
            "",
            f"The same tree (`xtd_compare.py --make-tree --comments {a['xtd_comments']} "
            "--max-depth 8 --seed 1`: same parents, bodies and authors) as one answer's thread. "
            f"Ours: `GET {x.get('path', '')}` (the answer with its whole thread) in-process "
            f"with the test client, median of {x.get('ours_runs')} renders in two batches (one "
            "before xtd's, one after), each after two warm-ups; its queries and the whole "
            "request cycle included. xtd: its `render_xtdcomment_tree` tag and "
            f"default templates, median of {x.get('xtd_runs')} after two warm-ups "
            f"(xtd {x.get('xtd_version')} on Django {x.get('xtd_django')}, SQLite in memory).",
            "",
            "| renderer | median ms | queries |",
            "| --- | ---: | ---: |",
            f"| studygroup | {x['ours_ms']} | {x['ours_queries']} |",
            f"| django-comments-xtd | {x['xtd_ms']} | {x['xtd_queries']} |",
            "",
            f"Ratio: **{x['ratio']}×** faster.",
        ]
    mx = res.get("mixed")
    if mx:
        lines += [
            "",
            "### Mixed load",
            "",
            f"{a['mixed_members']} simulated members, each acting every {a['think']} s on "
            f"average (exponential think time, open loop: latency counts from the planned "
            f"send), {a['mixed_duration']} s; a stdlib asyncio client, one connection per "
            "request. Actions: dashboard 15 %, group page 15 %, meeting page 15 %, question "
            "30 % (members of the hot group open the hot question half the time), chapter "
            "20 %, posting a comment 5 %.",
            "",
            f"Offered {mx['offered_rps']} req/s, achieved {mx['achieved_rps']} req/s, "
            f"{mx['requests']:,} responses to {mx['sent']:,} requests; failed: "
            f"{mx['http_errors']} with an HTTP error status, {mx['connection_errors']} "
            f"connection errors or {REQUEST_TIMEOUT} s timeouts, {mx['shed']} not sent (the "
            f"client sheds past 600 requests in flight), {mx['unfinished']} unanswered; "
            f"statuses {mx['statuses']}. Overall p50 {mx['p50_ms']} ms, p95 {mx['p95_ms']} ms.",
            "",
            "| action | requests | p50 ms | p95 ms | errors |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for kind, p in mx["pages"].items():
            lines.append(
                f"| {kind} | {p['requests']} | {fmt(p['p50_ms'])} | {fmt(p['p95_ms'])} | "
                f"{p['errors']} |"
            )
    r = res.get("rates")
    if r:
        lines += [
            "",
            f"Rate search (same mix, {a['step_duration']} s a step, stop at the first step "
            f"with p95 ≥ {P95_LIMIT_MS} ms, an error, or under 90 % of the offered rate "
            f"achieved): highest rate with p95 under {P95_LIMIT_MS} ms: "
            f"**{r['best_rps'] or 'none'} req/s**.",
            "",
            "| offered req/s | achieved | p50 ms | p95 ms | errors | passes |",
            "| ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for s in r["steps"]:
            lines.append(
                f"| {s['rate']} | {s['achieved_rps']} | {fmt(s['p50_ms'])} | {fmt(s['p95_ms'])} "
                f"| {s['errors']} | {'yes' if s['ok'] else 'no'} |"
            )
    mem, idle, end = res.get("memory"), res.get("memory_idle"), res.get("memory_end")
    if mem:
        lines += [
            "",
            "### Memory",
            "",
            "From /proc: RSS counts shared pages in every process, PSS splits them among the "
            "processes sharing them (so the PSS total is what the server really takes). Idle: "
            "after the first request of each page; loaded: right after the mixed load; end: "
            "after the rate search.",
            "",
            "| process | RSS MB idle | RSS MB loaded | RSS MB end | PSS MB loaded |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        before = {p["pid"]: p for p in (idle or mem)["processes"]}
        after = {p["pid"]: p for p in (end or mem)["processes"]}
        for p in mem["processes"]:
            lines.append(
                f"| gunicorn {p['role']} ({p['pid']}) | "
                f"{before.get(p['pid'], {}).get('rss_mb', '–')} | {p['rss_mb']} | "
                f"{after.get(p['pid'], {}).get('rss_mb', '–')} | {p['pss_mb']} |"
            )
        lines.append(
            f"| **all** | {(idle or mem)['total_rss_mb']} | {mem['total_rss_mb']} | "
            f"{(end or mem)['total_rss_mb']} | {mem['total_pss_mb']} |"
        )
    if "server_errors" in res:
        lines += [
            "",
            f"Server log: {res['server_errors']} “Internal Server Error” entries, "
            f"{res['server_tracebacks']} tracebacks.",
        ]
    if res.get("load"):
        lines += [
            "",
            "Where the CPU went in each phase, in % of the whole machine (both cores): the "
            "load tools (this script and its children: wrk, the asyncio client, the "
            "in-process and xtd measurements), the app (gunicorn and its workers), PostgreSQL "
            "serving the bench database, and everything else on the machine (other work, "
            "which the benchmark cannot stop); and the 1-minute load average as it began:",
            "",
            "| phase | seconds | load tools | app | database | others | idle | load avg |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for x in res["load"][:-1]:
            c = x.get("cpu_pct", {})
            idle = round(100 - c.get("busy", 100), 1)
            lines.append(
                f"| {x['phase'].split(':')[0]} | {x.get('seconds', '–')} | "
                f"{c.get('client', '–')} | {c.get('app', '–')} | {c.get('db', '–')} | "
                f"{c.get('others', '–')} | {idle} | {x['loadavg']:.1f} |"
            )
    lines += ["", "### Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
    for t in res["targets"]:
        met = {True: "met", False: "**missed**", None: "reported"}[t["met"]]
        lines.append(f"| {t['target']} | {t['measured']} | {met} |")
    for key, plans in res.get("explain", {}).items():
        title = "hot question" if key == "hot" else "10,000-comment question"
        for name, p in plans.items():
            lines += [
                "",
                f"#### EXPLAIN ANALYZE, {title}: {name}",
                "",
                "```sql",
                p["sql"],
                "```",
                "",
                "```",
                p["plan"],
                "```",
            ]
    return "\n".join(lines) + "\n"


def write_doc(path: Path, mode: str, section: str) -> None:
    begin, end = f"<!-- bench:{mode}:begin -->", f"<!-- bench:{mode}:end -->"
    block = f"{begin}\n{section}{end}"
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    if begin in text and end in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + f"\n\n## Results: `{mode}` run\n\n{block}\n"
    path.write_text(text)


def print_table(res: dict) -> None:
    print()
    print(
        f"{'page':22} {'median':>8} {'p95':>8} {'req/s':>8} {'errors':>7} "
        f"{'queries':>8} {'tiny':>6}"
    )
    for key, label, _ in PAGES:
        p = res.get("pages", {}).get(key, {})
        print(
            f"{label:22} {fmt(p.get('p50_ms'), ' ms'):>8} {fmt(p.get('p95_ms'), ' ms'):>8} "
            f"{fmt(p.get('rps')):>8} {p.get('errors', '–'):>7} "
            f"{qcount(res.get('queries', {}).get(key)):>8} "
            f"{qcount(res.get('queries_small', {}).get(key)):>6}"
        )
    g = res.get("growth")
    if g:
        print("\nfirst load, sequential (median ms, × 100-comment case):")
        for key, ms in g["median_ms"].items():
            q = res.get("growth_queries", {}).get(key, {})
            print(
                f"  {key:14} {ms:8.1f} ms  {g['vs_100'].get(key, '–')!s:>5}×  "
                f"{q.get('queries', '–')} queries, {q.get('shown', '–')} comments shown"
            )
        print(f"  hot / ordinary: {g['hot_vs_ordinary']}×")
    x = res.get("xtd")
    if x:
        print(
            f"\nwhole 1,000-comment tree: ours {x['ours_ms']} ms ({x['ours_queries']} queries), "
            f"xtd {x['xtd_ms']} ms ({x['xtd_queries']} queries): {x['ratio']}× faster"
        )
    mx = res.get("mixed")
    if mx:
        print(
            f"\nmixed load: {mx['achieved_rps']} req/s, p50 {mx['p50_ms']} ms, p95 "
            f"{mx['p95_ms']} ms, errors {mx['errors']}"
        )
        for kind, p in mx["pages"].items():
            print(
                f"  {kind:10} p50 {fmt(p['p50_ms']):>7} ms  p95 {fmt(p['p95_ms']):>7} ms  "
                f"n={p['requests']}"
            )
    r = res.get("rates")
    if r:
        print(f"highest rate with p95 < {P95_LIMIT_MS} ms: {r['best_rps']} req/s")
    mem = res.get("memory")
    if mem:
        print(
            f"memory: RSS {mem['total_rss_mb']} MB, PSS {mem['total_pss_mb']} MB over "
            f"{len(mem['processes'])} processes"
        )
    print("\ntargets:")
    for t in res["targets"]:
        met = {True: "met", False: "MISSED", None: "reported"}[t["met"]]
        print(f"  [{met:8}] {t['target']}: {t['measured']}")


# ----------------------------------------------------------------------------- main


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    inproc = sub.add_parser("inproc", help=argparse.SUPPRESS)
    inproc.add_argument("--manifest", required=True)
    inproc.add_argument("--out", required=True)
    inproc.add_argument("--what", choices=["big", "small", "render"], default="big")
    inproc.add_argument("--render-runs", type=int, default=15)

    parser.add_argument("--small", action="store_true", help="quick run: 20 groups, 400 users")
    sizes = parser.add_argument_group("data set")
    sizes.add_argument("--groups", type=int, help="groups (default 300; --small 20)")
    sizes.add_argument("--members", type=int, help="members per group (20)")
    sizes.add_argument("--meetings", type=int, help="meetings per group (5)")
    sizes.add_argument("--hot-answers", type=int, help="answers to the hot question (200)")
    sizes.add_argument("--hot-comments", type=int, help="comments on the hot question (2000)")
    sizes.add_argument("--growth", help="comment counts of the growth probes (100,1000,10000)")
    sizes.add_argument("--xtd-comments", type=int, help="comments in the peer tree (1000)")
    sizes.add_argument("--measured-groups", type=int, help="groups the load visits (100)")
    load = parser.add_argument_group("load")
    load.add_argument("--duration", type=float, help="seconds per wrk run (8; --small 3)")
    load.add_argument("--warmup", type=float, help="seconds of wrk warm-up per page (2)")
    load.add_argument("--runs", type=int, help="runs per measurement (3)")
    load.add_argument("--connections", type=int, help="wrk connections (8)")
    load.add_argument("--threads", type=int, help="wrk threads (2)")
    load.add_argument("--sequential", type=int, help="first loads per page per run (30)")
    load.add_argument("--render-runs", type=int, help="our timed renders of the tree (15)")
    load.add_argument("--xtd-runs", type=int, help="xtd's timed renders (7)")
    load.add_argument("--mixed-members", type=int, help="simulated members (200)")
    load.add_argument("--think", type=float, help="mean seconds between a member's actions (2)")
    load.add_argument("--mixed-duration", type=float, help="seconds of mixed load (45)")
    load.add_argument("--rates", help="offered rates to step through (100,150,...)")
    load.add_argument("--step-duration", type=float, help="seconds per rate step (10)")
    load.add_argument("--workers", type=int, help="gunicorn sync workers (4)")
    load.add_argument(
        "--quiet-wait",
        type=float,
        default=20,
        help="before each run, wait up to this many seconds for other work on the machine "
        "to drop under 25 %% of the CPU (0: do not wait; default 20)",
    )
    where = parser.add_argument_group("where")
    where.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL")
    where.add_argument("--db", default="studygroup_bench", help="database (dropped and made)")
    where.add_argument("--reuse", action="store_true", help="keep the database built last time")
    where.add_argument("--no-xtd", dest="xtd", action="store_false", help="skip the peer")
    where.add_argument(
        "--no-small-compare", dest="compare_small", action="store_false",
        help="skip the tiny data set the query counts are compared with",
    )  # fmt: skip
    where.add_argument(
        "--phases",
        default=",".join(PHASES),
        help=f"what to measure, of {','.join(PHASES)} (default all)",
    )
    where.add_argument("--doc", default=str(DOC), help="markdown file to update ('' for none)")
    where.add_argument("--json", help="also write all results here")
    args = parser.parse_args(argv)
    if args.command is None:
        args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
        if set(args.phases) - set(PHASES):
            parser.error(f"--phases takes {','.join(PHASES)}")
        args.mode = "small" if args.small else "default"
        for key, value in PRESETS[args.mode].items():
            if getattr(args, key) is None:
                setattr(args, key, value)
    return args


def load_phases(server: Server, manifest: dict, args, res: dict) -> None:
    """Everything measured against gunicorn."""
    pages = page_requests(manifest)
    for key, reqs in pages.items():  # each page answers as it should before timing it
        status, headers, _, _ = http_request(server.port, reqs[0])
        if status not in reqs[0].expect or "/accounts/login" in headers.get("Location", ""):
            raise SystemExit(f"{key}: {reqs[0].path} answered {status}\n{server.tail()}")
    res["memory_idle"] = memory(server.proc.pid)
    if "pages" in args.phases:
        phase(res, "per page: wrk")
        res["pages"] = per_page(server.port, pages, args)
    if "growth" in args.phases:
        phase(res, "first loads as the thread grows")
        res["growth"] = growth(server.port, growth_requests(manifest), args)
    if "mixed" in args.phases:
        phase(res, f"mixed load: {args.mixed_members} members, {args.mixed_duration} s")
        res["mixed"] = mixed(server.port, manifest, args)
        log(f"  {res['mixed']['achieved_rps']} req/s, p95 {res['mixed']['p95_ms']} ms")
        res["memory"] = memory(server.proc.pid)
        settle(server.port)
    if "rates" in args.phases:
        phase(res, f"highest rate with p95 under {P95_LIMIT_MS} ms")
        res["rates"] = rate_search(server.port, manifest, args)
    res["memory_end"] = memory(server.proc.pid)
    res.setdefault("memory", res["memory_end"])
    phase(res, "done")
    log_text = server.logfile.read_text(errors="replace")
    res["server_errors"] = log_text.count("Internal Server Error")
    res["server_tracebacks"] = log_text.count("Traceback")


def main(argv=None) -> None:
    global PG_SERVER
    args = parse_args(argv)
    if args.command == "inproc":
        inproc_main(args)
        return
    PG_SERVER = args.pg.rstrip("/")
    CPU_CONTEXT["db"] = args.db
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does it)")
    started, t0 = datetime.now(UTC), T0
    WORK.mkdir(exist_ok=True)
    res: dict = {
        "started": f"{started:%Y-%m-%d %H:%M} UTC",
        "mode": args.mode,
        "command": "make bench" + (" BENCH_ARGS=--small" if args.small else "")
        if argv is None and sys.argv[1:] in ([], ["--small"])
        else "bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "args": {k: v for k, v in vars(args).items() if k not in ("command",)},
        "machine": machine(),
        "commit": git_commit(),
    }
    static_root = tempfile.mkdtemp(prefix="studygroup-bench-static-")
    server = None
    try:
        if args.reuse and (WORK / f"{args.db}.json").exists():
            manifest = json.loads((WORK / f"{args.db}.json").read_text())
            tiny_path = WORK / f"{args.db}_tiny.json"
            tiny = (
                json.loads(tiny_path.read_text())
                if args.compare_small and tiny_path.exists()
                else None
            )
            log(f"reusing {args.db} (migrating it to the app's current models)")
            run(
                [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"],
                env_for(manifest["db_url"], manifest["secret"], static_root),
                "migrate",
            )
        else:
            phase(res, "build")
            secret = secrets.token_urlsafe(50)
            manifest, tiny = steady("the build", lambda: build(args, secret, static_root))
        secret, db_url = manifest["secret"], manifest["db_url"]
        if tiny:
            tiny.setdefault("secret", secret)
        res["versions"] = versions(db_url)
        res["counts"], res["build_seconds"] = manifest["counts"], manifest["build_seconds"]
        res["hot"], res["growth_sizes"] = manifest["hot"], manifest["growth"]
        env = env_for(db_url, secret, static_root)
        run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"], env, "collectstatic")

        big: dict = {}
        if {"queries", "xtd"} & set(args.phases):
            phase(res, "queries per page, EXPLAIN and our render of the peer tree (in-process)")
            big = steady("in-process", lambda: inproc(args, manifest, "big", static_root))
            res["queries"], res["growth_queries"] = big["queries"], big["growth"]
            res["explain"] = big["explain"]
        if tiny and "queries" in args.phases:
            small = steady("tiny query counts", lambda: inproc(args, tiny, "small", static_root))
            res["queries_small"] = small["queries"]
        if args.xtd and "xtd" in args.phases and "render" in big:
            phase(res, "django-comments-xtd on the same tree")
            line = run(
                [
                    PYTHON,
                    str(BENCH / "xtd_compare.py"),
                    "--tree",
                    str(WORK / f"xtd-tree-{args.xtd_comments}.json"),
                    "--runs",
                    str(args.xtd_runs),
                ],
                dict(os.environ),
                "xtd_compare",
            )
            peer = json.loads([s for s in line.splitlines() if s.startswith("{")][-1])
            log("our render again, after xtd's: both sides share the machine's ups and downs")
            again = steady("render", lambda: inproc(args, manifest, "render", static_root))
            ours = big["render"]
            ours["times_ms"] += again["render"]["times_ms"]
            ours["median_ms"] = round(median(ours["times_ms"]), 2)
            ours["runs"] = len(ours["times_ms"])
            res["xtd"] = {
                "path": ours["path"],
                "ours_ms": ours["median_ms"],
                "ours_queries": ours["queries"],
                "ours_runs": ours["runs"],
                "xtd_ms": peer["median_ms"],
                "xtd_queries": peer["queries"],
                "xtd_runs": peer["runs"],
                "xtd_version": peer["version"],
                "xtd_django": peer["django"],
                "ratio": round(peer["median_ms"] / ours["median_ms"], 1),
            }
            log(f"  xtd {peer['median_ms']} ms vs ours {ours['median_ms']} ms")

        if {"pages", "growth", "mixed", "rates"} & set(args.phases):
            server = Server(args, env, WORK / "gunicorn.log")
            CPU_CONTEXT["server"] = server.proc.pid
            server.wait_ready()
            load_phases(server, manifest, args, res)
        if res.get("load", [{}])[-1].get("phase") != "done":
            phase(res, "done")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(static_root, ignore_errors=True)
    res["seconds"] = round(time.monotonic() - t0)
    res["targets"] = targets(res)
    print_table(res)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1, default=str) + "\n")
    (WORK / f"results-{args.mode}.json").write_text(json.dumps(res, indent=1, default=str))
    if args.doc:
        write_doc(Path(args.doc), args.mode, report_markdown(res))
        log(f"wrote {args.doc} (section '{args.mode}')")
    log(
        f"done in {res['seconds'] / 60:.1f} min; the database {args.db} stays for inspection: "
        f"dropdb -h 127.0.0.1 -U postgres {args.db} (and {args.db}_tiny)"
    )


if __name__ == "__main__":
    main()
