"""`--against REV`: the same pages served by another commit, side by side in one run.

That commit is checked out in a worktree of its own (under WORK), gets the same data set in
a database of its own (``<db>_against``: migrated, the shipped text imported, the data set
built by whichever builder that tree has), and is served by the same gunicorn command as
ours. Then, page by page and run by run, wrk loads one server and then the other (which
goes first alternates), and each side's app CPU per request (gunicorn's master and workers,
read from /proc) and latency are set against each other: ours / theirs, so 0.5 is half.
Only one server is loaded at a time; the idle one costs nothing.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from bench import WORK, load, log
from bench.cpu import wait_quiet
from bench.load import median
from bench.pages import page_requests
from bench.servers import ROOT, Gunicorn, TaskWorker, children, steady

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def checkout(rev: str) -> tuple[str, Path]:
    """The commit ``rev`` names, in a detached worktree of this repository (made once)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=ROOT, capture_output=True,
        text=True, check=True,
    ).stdout.strip()  # fmt: skip
    tree = WORK / f"against-{sha[:12]}"
    if not (tree / "manage.py").exists():
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=True)
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--force", str(tree), sha], cwd=ROOT,
            check=True, capture_output=True,
        )  # fmt: skip
    return sha, tree


def data_builder(tree: Path) -> list[str]:
    """How that tree builds the bench's data set: ``manage.py bench_data`` since the
    house-in-order redesign, ``bench/data.py`` before it (the same options)."""
    if (tree / "bench" / "data.py").exists():
        return [str(tree / "bench" / "data.py")]
    return ["manage.py", "bench_data"]


def ticks(master: int) -> int:
    """CPU ticks (user + system) of gunicorn's master and its live workers so far."""
    total = 0
    for pid in [master, *children(master)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def side_by_side(
    args, servers: dict[str, Gunicorn], manifests: dict[str, dict],
    task_workers: dict[str, TaskWorker | None],
) -> dict:  # fmt: skip
    """Per page: wrk on each side in turn, each run; medians of CPU per request and of
    latency per side, and their ratios (ours / theirs). A side with a task worker has what
    its requests queued done before the run's CPU is read, and the worker's CPU counted:
    ``cpu_ms`` is gunicorn's and the worker's together (``web_ms`` and ``worker_ms`` apart),
    so work moved out of the request still counts."""
    files: dict[str, dict[str, Path]] = {}
    for side, manifest in manifests.items():
        files[side] = {}
        for key, reqs in page_requests(manifest).items():
            status, headers, _, _ = load.http_request(servers[side].port, reqs[0])
            if status not in reqs[0].expect or "/accounts/login" in headers.get("Location", ""):
                raise SystemExit(f"{side} {key}: {reqs[0].path} answered {status}")
            path = files[side][key] = WORK / f"requests-{side}-{key}.tsv"
            path.write_text("\n".join(r.tsv() for r in reqs) + "\n")
    pages = [key for key in files["ours"] if key in files["theirs"]]
    runs: dict[str, dict[str, list[dict]]] = {key: {"ours": [], "theirs": []} for key in pages}

    def measure(side: str, key: str, seconds: float) -> dict:
        server, worker = servers[side], task_workers.get(side)
        if worker:
            worker.drain()  # nothing of the page before is counted here
        before, worker_before = ticks(server.pid), ticks(worker.pid) if worker else 0
        r = load.wrk(server.port, files[side][key], args, seconds)
        web = ticks(server.pid) - before
        if worker:
            worker.drain()
        work = ticks(worker.pid) - worker_before if worker else 0
        n = max(1, r["requests"])
        r["web_ms"] = round(web * TICK_MS / n, 2)
        r["worker_ms"] = round(work * TICK_MS / n, 2)
        r["cpu_ms"] = round((web + work) * TICK_MS / n, 2)
        return r

    for key in pages:  # warm both: each worker's caches and connections
        for side in servers:
            warm = lambda side=side, key=key: measure(side, key, args.warmup)  # noqa: E731
            steady(f"warm-up {side} {key}", warm, args.pg)
    for n in range(args.runs):
        wait_quiet(args.quiet_wait)
        for i, key in enumerate(pages):
            order = ["ours", "theirs"] if (n + i) % 2 == 0 else ["theirs", "ours"]
            for side in order:
                once = lambda side=side, key=key: measure(side, key, args.duration)  # noqa: E731
                r = steady(f"wrk {side} {key}", once, args.pg)
                runs[key][side].append(r)
            o, t = runs[key]["ours"][-1], runs[key]["theirs"][-1]
            log(
                f"  run {n + 1} {key:13} CPU/request {o['cpu_ms']:6.1f} vs {t['cpu_ms']:6.1f} ms"
                f"  p50 {o['p50_ms']:6.1f} vs {t['p50_ms']:6.1f} ms"
                f"  errors {o['errors']}+{t['errors']}"
            )
    out = {}
    for key, sides in runs.items():
        row = {}
        for side, rs in sides.items():
            row[side] = {
                "cpu_ms": median(r["cpu_ms"] for r in rs),
                "web_ms": median(r["web_ms"] for r in rs),
                "worker_ms": median(r["worker_ms"] for r in rs),
                "p50_ms": median(r["p50_ms"] for r in rs),
                "rps": median(r["rps"] for r in rs),
                "errors": sum(r["errors"] for r in rs),
                "runs": rs,
            }
        row["cpu_ratio"] = round(row["ours"]["cpu_ms"] / row["theirs"]["cpu_ms"], 2)
        row["p50_ratio"] = round(row["ours"]["p50_ms"] / row["theirs"]["p50_ms"], 2)
        # Within each run too: the ratio of neighbours, less exposed to the machine's drift.
        row["cpu_ratio_runs"] = [
            round(o["cpu_ms"] / t["cpu_ms"], 2)
            for o, t in zip(sides["ours"], sides["theirs"], strict=True)
        ]
        out[key] = row
        log(
            f"  {key:13} CPU/request {row['ours']['cpu_ms']} vs {row['theirs']['cpu_ms']} ms "
            f"(×{row['cpu_ratio']}; of ours, the task worker's {row['ours']['worker_ms']}), "
            f"p50 ×{row['p50_ratio']}"
        )
    return out
