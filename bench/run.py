"""`make bench`: the app under load on a synthetic data set, on this machine.

    .venv/bin/python bench/run.py            # the default run (~15 minutes)
    .venv/bin/python bench/run.py --small    # a quick one (~3 minutes)

Steps: a fresh PostgreSQL database (``--db``, default studygroup_bench) migrated, the shipped
text imported and ``manage.py bench_data``'s data set built (plus a tiny copy to compare
query counts with); SQL queries per page counted in-process (bench/inproc.py); the whole
1,000-comment tree rendered by us and by django-comments-xtd (bench/xtd_compare.py); then
gunicorn in production mode on 127.0.0.1 and, against it (bench/load.py): wrk per page at a
fixed concurrency (three runs, medians), the hot question's first load as its thread grows
(sequential requests), a mixed open-loop load of simulated members, a search for the
highest rate with p95 under 300 ms, and the workers' memory. Prints a table and writes it
into docs/benchmarks.md between the markers of this mode (bench/report.py). The database
stays for inspection (``dropdb -h 127.0.0.1 -U postgres studygroup_bench``); gunicorn
always stops.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as bench/run.py: the project root, for `bench.*`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import WORK, against, cpu, load, log, report, soak, variants
from bench.pages import growth_requests, page_requests
from bench.servers import (
    ROOT,
    Balancer,
    Gunicorn,
    PgBouncer,
    TaskWorker,
    production_env,
    steady,
)

PYTHON = sys.executable
DOC = ROOT / "docs" / "benchmarks.md"
TEXT_FILE = ROOT / "content" / "texts" / "russian-revolution-part-2.txt"

CORES = os.cpu_count() or 2
PHASES = ["queries", "xtd", "pages", "growth", "mixed", "rates", "soak", "settings", "scaleout"]
# Each size and duration: its type, the default run's value, the --small run's, and help.
OPTIONS = {
    "data set": {
        "groups": (int, 300, 20, "groups"),
        "members": (int, 20, 20, "members per group"),
        "meetings": (int, 5, 5, "meetings per group"),
        "hot-answers": (int, 200, 200, "answers to the hot question"),
        "hot-comments": (int, 2000, 2000, "comments on the hot question"),
        "growth": (str, "100,1000,10000", "100,1000,10000", "comments of the growth probes"),
        "measured-groups": (int, 100, 20, "groups the load visits"),
        "mixed-members": (int, 200, 200, "simulated members"),
        "xtd-comments": (int, 1000, 1000, "comments in the peer tree"),
    },
    "load": {
        "duration": (float, 8, 3, "seconds per wrk run"),
        "warmup": (float, 2, 1, "seconds of wrk warm-up per page"),
        "runs": (int, 3, 3, "runs per measurement"),
        "connections": (int, 8, 8, "wrk connections"),
        "threads": (int, 2, 2, "wrk threads"),
        "sequential": (int, 30, 10, "first loads per page per run"),
        "render-runs": (int, 15, 7, "our timed renders of the tree"),
        "xtd-runs": (int, 7, 3, "xtd's timed renders"),
        "think": (float, 1.0, 1.0, "mean seconds between a member's actions"),
        "mixed-duration": (float, 45, 15, "seconds of mixed load"),
        "rates": (str, "100,150,200,250,300,400", "100,150,200,300,400", "offered rates"),
        "step-duration": (float, 10, 5, "seconds per rate step"),
        "workers": (int, CORES, CORES, "gunicorn sync workers (one a core: README)"),
        "scaleout-rate": (int, 80, 80, "req/s offered through the balancer and PgBouncer"),
        "soak-rate": (int, 80, 80, "req/s offered through the memory soak"),
        "soak-duration": (float, 600, 120, "seconds of the memory soak"),
        "soak-step": (float, 30, 30, "seconds between the soak's memory readings"),
        "settings-rate": (int, 80, 80, "req/s offered to each server setting compared"),
        "settings-duration": (float, 10, 6, "seconds a run of each setting compared"),
    },
}
DATA_SET = [name for name in OPTIONS["data set"] if name != "xtd-comments"]  # bench_data's
# The data set the query counts are compared with: a handful of groups, a short thread.
TINY = ["--groups", "4", "--members", "20", "--meetings", "5", "--hot-answers", "20"]
TINY += ["--hot-comments", "60", "--growth", "", "--measured-groups", "4", "--mixed-members", "40"]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="quick run: 20 groups, 400 users")
    for title, options in OPTIONS.items():
        group = parser.add_argument_group(title)
        for name, (kind, default, small, what) in options.items():
            also = "" if small == default else f"; --small {small}"
            group.add_argument(f"--{name}", type=kind, help=f"{what} ({default}{also})")
    parser.add_argument(
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
    where.add_argument("--phases", default=",".join(PHASES), help="what to measure (all)")
    where.add_argument("--doc", default=str(DOC), help="markdown file to update ('' for none)")
    where.add_argument("--json", help="also write all results here")
    where.add_argument(
        "--against", metavar="REV",
        help="also serve commit REV (its own worktree and database) and compare the per-page "
        "phase side by side: CPU per request and latency, ours / theirs",
    )  # fmt: skip
    args = parser.parse_args(argv)
    args.pg = args.pg.rstrip("/")
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if set(args.phases) - set(PHASES):
        parser.error(f"--phases takes {','.join(PHASES)}")
    args.mode = "small" if args.small else "default"
    for options in OPTIONS.values():
        for name, (_, default, small, _) in options.items():
            if getattr(args, key := name.replace("-", "_")) is None:
                setattr(args, key, small if args.small else default)
    return args


def run(cmd: list[str], env: dict, what: str, timeout: float = 1800, cwd: Path = ROOT) -> str:
    started = time.monotonic()
    result = subprocess.run(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=sys.stderr, text=True,
        timeout=timeout,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"{what} failed (exit {result.returncode}): {' '.join(cmd)}")
    log(f"{what}: {time.monotonic() - started:.1f} s")
    return result.stdout


def app_env(manifest: dict, static_root: str, hosts: str = "127.0.0.1") -> dict:
    return production_env(
        manifest["db_url"], static_root, manifest["secret"], DJANGO_ALLOWED_HOSTS=hosts,
        DJANGO_LOG_LEVEL="WARNING",
    )  # fmt: skip


def recreate_database(server: str, name: str, template: str | None = None) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(drop.format(sql.Identifier(name)))
        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(create)


def build(args, secret: str, static_root: str) -> tuple[dict, dict | None]:
    """The bench database and its tiny twin; returns both manifests."""
    big = {"db_url": f"{args.pg}/{args.db}", "secret": secret}
    tiny = {"db_url": f"{args.pg}/{args.db}_tiny", "secret": secret}
    recreate_database(args.pg, args.db)
    env = app_env(big, static_root)
    run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], env, "migrate")
    run([PYTHON, "manage.py", "import_text", str(TEXT_FILE)], env, "import_text")
    if args.compare_small:  # a copy of the empty, migrated database: cheaper than migrating
        recreate_database(args.pg, f"{args.db}_tiny", template=args.db)
    data = [PYTHON, "manage.py", "bench_data"]
    sizes = [f"--{name}={getattr(args, name.replace('-', '_'))}" for name in DATA_SET]
    if args.xtd:
        tree = WORK / f"xtd-tree-{args.xtd_comments}.json"
        xtd = [PYTHON, str(ROOT / "bench" / "xtd_compare.py"), "--make-tree", str(tree)]
        xtd += ["--comments", str(args.xtd_comments), "--max-depth", "8", "--seed", "1"]
        run(xtd, env, "peer tree")
        sizes += ["--xtd-tree", str(tree)]
    manifests = [(args.db, big, sizes, env)]
    if args.compare_small:
        manifests.append((f"{args.db}_tiny", tiny, TINY, app_env(tiny, static_root)))
    for name, manifest, options, data_env in manifests:
        path = WORK / f"{name}.json"
        run(data + options + ["--manifest", str(path)], data_env, f"data set {name}")
        manifest |= json.loads(path.read_text())
        path.write_text(json.dumps(manifest, indent=1))
    return big, tiny if args.compare_small else None


def build_theirs(args, tree: Path, secret: str, static_root: str) -> dict:
    """The same data set for the commit in ``tree``, in ``<db>_against``, built by that
    commit's own code; and its static files collected into ``static_root``."""
    name = f"{args.db}_against"
    manifest = {"db_url": f"{args.pg}/{name}", "secret": secret}
    recreate_database(args.pg, name)
    env = app_env(manifest, static_root)
    manage = [PYTHON, "manage.py"]
    run([*manage, "migrate", "--no-input", "-v", "0"], env, "their migrate", cwd=tree)
    text = str(TEXT_FILE.relative_to(ROOT))
    run([*manage, "import_text", text], env, "their import_text", cwd=tree)
    sizes = [f"--{name}={getattr(args, name.replace('-', '_'))}" for name in DATA_SET]
    path = WORK / f"{name}.json"
    data = [PYTHON, *against.data_builder(tree), *sizes, "--manifest", str(path)]
    run(data, env, f"their data set {name}", cwd=tree)
    manifest |= json.loads(path.read_text())
    path.write_text(json.dumps(manifest, indent=1))
    run([*manage, "collectstatic", "--no-input", "-v", "0"], env, "their collectstatic", cwd=tree)
    return manifest


def inproc(args, manifest: dict, what: str, static_root: str) -> dict:
    """The in-process measurements (bench/inproc.py), in a process of their own."""
    name = f"{args.db}_tiny" if what == "small" else args.db
    out = WORK / f"inproc-{what}.json"
    cmd = [PYTHON, "-m", "bench.inproc", "--manifest", str(WORK / f"{name}.json")]
    cmd += ["--out", str(out), "--what", what, "--render-runs", str(args.render_runs)]
    env = app_env(manifest, static_root, hosts="testserver")
    run(cmd, env, f"in-process measurements ({what} data set)")
    return json.loads(out.read_text())


def peer_phase(args, manifest: dict, big: dict, static_root: str) -> dict:
    """django-comments-xtd on the same tree, between two batches of our own renders; on
    PostgreSQL, in a database of its own, as each would be deployed."""
    tree = WORK / f"xtd-tree-{args.xtd_comments}.json"
    recreate_database(args.pg, f"{args.db}_xtd")
    cmd = [PYTHON, str(ROOT / "bench" / "xtd_compare.py"), "--tree", str(tree)]
    cmd += ["--runs", str(args.xtd_runs), "--database-url", f"{args.pg}/{args.db}_xtd"]
    out = run(cmd, dict(os.environ), "xtd_compare")
    peer = json.loads([s for s in out.splitlines() if s.startswith("{")][-1])
    log("our render again, after xtd's: both sides share the machine's ups and downs")
    again = steady("render", lambda: inproc(args, manifest, "render", static_root), args.pg)
    ours = big["render"]
    ours["times_ms"] += again["render"]["times_ms"]
    ours["median_ms"] = round(statistics.median(ours["times_ms"]), 2)
    log(f"  xtd {peer['median_ms']} ms vs ours {ours['median_ms']} ms")
    return {
        "path": ours["path"],
        "ours_ms": ours["median_ms"],
        "ours_queries": ours["queries"],
        "ours_runs": len(ours["times_ms"]),
        "xtd_ms": peer["median_ms"],
        "xtd_queries": peer["queries"],
        "xtd_runs": peer["runs"],
        "xtd_version": peer["version"],
        "xtd_django": peer["django"],
        "xtd_database": peer["database"],
        "ours_bytes": ours["bytes"],
        "xtd_bytes": peer["bytes"],
        "ratio": round(peer["median_ms"] / ours["median_ms"], 1),
    }


def load_phases(server: Gunicorn, manifest: dict, args, res: dict) -> None:
    """Everything measured against gunicorn."""
    pages = page_requests(manifest)
    for key, reqs in pages.items():  # each page answers as it should before timing it
        status, headers, _, _ = load.http_request(server.port, reqs[0])
        if status not in reqs[0].expect or "/accounts/login" in headers.get("Location", ""):
            raise SystemExit(f"{key}: {reqs[0].path} answered {status}\n{server.tail()}")
    res["memory_idle"] = cpu.memory(server.pid)
    if "pages" in args.phases:
        cpu.phase(res, "per page: wrk")
        res["pages"] = load.per_page(server.port, pages, args)
    if "growth" in args.phases:
        cpu.phase(res, "first loads as the thread grows")
        res["growth"] = load.growth(server.port, growth_requests(manifest), args)
    if "mixed" in args.phases:
        cpu.phase(res, f"mixed load: {args.mixed_members} members, {args.mixed_duration} s")
        res["mixed"] = load.mixed(server.port, manifest, args, args.mixed_duration, seed=1)
        log(f"  {res['mixed']['achieved_rps']} req/s, p95 {res['mixed']['p95_ms']} ms")
        res["memory"] = cpu.memory(server.pid)
        load.settle(server.port)
    if "rates" in args.phases:
        cpu.phase(res, f"highest rate with p95 under {load.P95_LIMIT_MS} ms")
        res["rates"] = load.rate_search(server.port, manifest, args)
    if "soak" in args.phases:
        cpu.phase(res, f"memory soak: {args.soak_rate} req/s for {args.soak_duration:.0f} s")
        res["soak"] = soak.soak(server.port, server.pid, manifest, args)
    res["memory_end"] = cpu.memory(server.pid)
    res.setdefault("memory", res["memory_end"])
    cpu.phase(res, "done")
    log_text = server.logfile.read_text(errors="replace")
    res["server_errors"] = log_text.count("Internal Server Error")
    res["server_tracebacks"] = log_text.count("Traceback")


SCALE_OUT_REDIS = "redis://127.0.0.1:6379/10"  # a Redis database of the bench's own
WARM_UP = 5.0  # seconds of the mixed load on fresh servers before the measured run


def scale_out(env: dict, manifest: dict, args, res: dict) -> None:
    """README's production layout on this machine: two app servers (half the workers each)
    behind HAProxy, sharing Redis, with the task worker, under the mixed load; then one app
    server through PgBouncer in transaction mode under the same load."""
    import redis

    redis.Redis.from_url(SCALE_OUT_REDIS).flushdb()
    shared = {**env, "DJANGO_REDIS_URL": SCALE_OUT_REDIS, "DJANGO_PROXY_HOPS": "1"}
    sync = ["--worker-class", "sync", "--timeout", "60", "--access-logfile", "-"]
    each = max(1, args.workers // 2)
    workdir = Path(tempfile.mkdtemp(prefix="studygroup-bench-scale-out-"))
    running: list = []
    try:
        apps = [Gunicorn(shared, WORK / f"gunicorn-app{n}.log", each, sync) for n in (1, 2)]
        running += apps
        running.append(TaskWorker(shared, WORK / "worker-scale-out.log"))
        balancer = Balancer([app.port for app in apps], workdir)
        running.append(balancer)
        cpu.phase(res, f"scale-out: 2 app servers x {each} workers behind HAProxy, mixed load")
        rate = args.scaleout_rate
        load.mixed(balancer.port, manifest, args, WARM_UP, seed=5, rate=rate)  # fresh: warm
        mixed = load.mixed(balancer.port, manifest, args, args.mixed_duration, seed=3, rate=rate)
        served = [app.logfile.read_text(errors="replace").count('" 200 ') for app in apps]
        log(f"  {mixed['achieved_rps']} req/s, p95 {mixed['p95_ms']} ms, served {served}")
        res["scaleout"] = {"balanced": mixed, "served_200": served, "workers_each": each}
    finally:
        for process in reversed(running):
            process.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    pooler = PgBouncer(manifest["db_url"].rsplit("/", 1)[1])
    server = None
    try:
        pooled = {**shared, "DATABASE_URL": pooler.url, "DJANGO_DB_POOLED": "1"}
        server = Gunicorn(pooled, WORK / "gunicorn-pooled.log", args.workers, sync)
        cpu.phase(res, "through PgBouncer (transaction mode), mixed load")
        load.mixed(server.port, manifest, args, WARM_UP, seed=6, rate=args.scaleout_rate)
        through = load.mixed(
            server.port, manifest, args, args.mixed_duration, seed=4, rate=args.scaleout_rate
        )
        log(f"  {through['achieved_rps']} req/s, p95 {through['p95_ms']} ms")
        res["scaleout"]["pgbouncer"] = through
    finally:
        if server is not None:
            server.stop()
        pooler.stop()


def main(argv=None) -> None:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does it)")
    started = datetime.now(UTC)
    WORK.mkdir(exist_ok=True)
    cpu.start(args.db)
    given = sys.argv[1:] if argv is None else argv
    res: dict = {
        "started": f"{started:%Y-%m-%d %H:%M} UTC",
        "mode": args.mode,
        "command": "make bench" + (" BENCH_ARGS=--small" if args.small else "")
        if given in ([], ["--small"])
        else "bench/run.py " + " ".join(given),
        "args": vars(args),
        "machine": report.machine(),
        "commit": report.git_commit(),
    }
    static_root = tempfile.mkdtemp(prefix="studygroup-bench-static-")
    server = None
    try:
        if args.reuse and (WORK / f"{args.db}.json").exists():
            manifest = json.loads((WORK / f"{args.db}.json").read_text())
            tiny_path = WORK / f"{args.db}_tiny.json"
            tiny = None
            if args.compare_small and tiny_path.exists():
                tiny = json.loads(tiny_path.read_text())
            log(f"reusing {args.db} (migrating it to the app's current models)")
            migrate = [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"]
            run(migrate, app_env(manifest, static_root), "migrate")
        else:
            cpu.phase(res, "build")
            secret = secrets.token_urlsafe(50)
            build_it = lambda: build(args, secret, static_root)  # noqa: E731
            manifest, tiny = steady("the build", build_it, args.pg)
        res["versions"] = report.versions(manifest["db_url"])
        res["counts"], res["build_seconds"] = manifest["counts"], manifest["build_seconds"]
        res["hot"], res["growth_sizes"] = manifest["hot"], manifest["growth"]
        env = app_env(manifest, static_root)
        run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"], env, "collectstatic")

        big: dict = {}
        if {"queries", "xtd"} & set(args.phases):
            cpu.phase(res, "queries per page, EXPLAIN and our render of the peer tree (in-process)")
            big = steady("in-process", lambda: inproc(args, manifest, "big", static_root), args.pg)
            res["queries"], res["growth_queries"] = big["queries"], big["growth"]
            res["explain"] = big["explain"]
        if tiny and "queries" in args.phases:
            small = steady(
                "tiny query counts", lambda: inproc(args, tiny, "small", static_root), args.pg
            )
            res["queries_small"] = small["queries"]
        if args.xtd and "xtd" in args.phases and "render" in big:
            cpu.phase(res, "django-comments-xtd on the same tree")
            res["xtd"] = peer_phase(args, manifest, big, static_root)

        sync = ["--worker-class", "sync", "--timeout", "60"]
        if args.against:
            sha, tree = against.checkout(args.against)
            res["against"] = {"rev": args.against, "commit": sha[:7]}
            cpu.phase(res, f"build for {args.against} ({sha[:7]}) in {tree}")
            their_static = tempfile.mkdtemp(prefix="studygroup-bench-static-against-")
            build_it = lambda: build_theirs(args, tree, manifest["secret"], their_static)  # noqa: E731
            theirs = steady("their build", build_it, args.pg)
            their_env = app_env(theirs, their_static)
            servers = {
                "ours": Gunicorn(env, WORK / "gunicorn.log", args.workers, sync),
                "theirs": Gunicorn(
                    their_env, WORK / "gunicorn-against.log", args.workers, sync, cwd=tree
                ),
            }
            task_workers: dict[str, TaskWorker | None] = {
                "ours": TaskWorker(env, WORK / "worker.log"),
                "theirs": TaskWorker(their_env, WORK / "worker-against.log", cwd=tree)
                if TaskWorker.for_tree(tree)
                else None,  # before the task queue: its news was told in the request
            }
            try:
                cpu.phase(res, f"per page, side by side with {sha[:7]}: wrk")
                res["against"]["pages"] = against.side_by_side(
                    args, servers, {"ours": manifest, "theirs": theirs}, task_workers
                )
            finally:
                for side in [*servers.values(), *filter(None, task_workers.values())]:
                    side.stop()
                shutil.rmtree(their_static, ignore_errors=True)
            args.phases = [p for p in args.phases if p != "pages"]  # measured side by side
        if {"pages", "growth", "mixed", "rates", "soak"} & set(args.phases):
            server = Gunicorn(env, WORK / "gunicorn.log", args.workers, sync)
            log(f"gunicorn pid {server.pid} on {server.url}, {args.workers} sync workers")
            cpu.METER.server = server.pid
            task_worker = TaskWorker(env, WORK / "worker.log")  # the posts' news, as deployed
            try:
                load_phases(server, manifest, args, res)
            finally:
                task_worker.stop()
        if "settings" in args.phases:
            cpu.phase(res, f"server settings, each against the recipe, {args.settings_rate} req/s")
            task_worker = TaskWorker(env, WORK / "worker-settings.log")
            try:
                res["settings"] = variants.compare(env, manifest, args)
            finally:
                task_worker.stop()
        if "scaleout" in args.phases:
            scale_out(env, manifest, args, res)
        if res.get("load", [{}])[-1].get("phase") != "done":
            cpu.phase(res, "done")
    finally:
        if server is not None:
            server.stop()
            log("gunicorn stopped")
        shutil.rmtree(static_root, ignore_errors=True)
    res["seconds"] = round(time.monotonic() - cpu.T0)
    res["targets"] = report.targets(res)
    report.print_table(res)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1, default=str) + "\n")
    (WORK / f"results-{args.mode}.json").write_text(json.dumps(res, indent=1, default=str))
    if args.doc:
        report.write_doc(Path(args.doc), args.mode, report.report_markdown(res))
        log(f"wrote {args.doc} (section '{args.mode}')")
    log(
        f"done in {res['seconds'] / 60:.1f} min; the database {args.db} stays for inspection: "
        f"dropdb -h 127.0.0.1 -U postgres {args.db} (and {args.db}_tiny)"
    )


if __name__ == "__main__":
    main()
