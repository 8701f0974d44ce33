"""The load: wrk per page at a fixed concurrency, sequential first loads as a thread grows,
and a stdlib asyncio open-loop client for the mixed load and the rate search. Every
measurement runs through ``steady`` (redone if PostgreSQL restarted under it) and after
``wait_quiet`` (a machine as quiet as it gets)."""

from __future__ import annotations

import asyncio
import http.client
import json
import random
import statistics
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench import WORK, log
from bench.cpu import wait_quiet
from bench.pages import CSRF, Member, Req, member_action, simulated_members
from bench.servers import steady

LUA = Path(__file__).with_name("wrk_report.lua")
P95_LIMIT_MS = 300  # the rate search's bar
REQUEST_TIMEOUT = 60  # seconds the asyncio client waits for a response (a patient browser)
MAX_INFLIGHT = 600  # past this the server is seconds behind: the client sheds, counts errors


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q / 100 * len(values) + 0.5) - 1))
    return values[k]


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


def wrk(port: int, requests_file: Path, args, duration: float) -> dict:
    duration = max(1, round(duration))  # wrk takes whole seconds
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s"]
    cmd += ["--timeout", "10s", "-s", str(LUA), f"http://127.0.0.1:{port}/"]
    cmd += ["--", str(requests_file)]
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
        steady(f"warm-up {key}", lambda key=key: wrk(port, files[key], args, args.warmup), args.pg)
    for n in range(args.runs):  # runs outside, pages inside: drift spreads over all pages
        wait_quiet(args.quiet_wait)
        for key in pages:
            r = steady(
                f"wrk {key}", lambda key=key: wrk(port, files[key], args, args.duration), args.pg
            )
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
        times = steady("first loads", one_run, args.pg)
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
class LoadStats:
    latencies: dict = field(default_factory=lambda: defaultdict(list))
    errors: dict = field(default_factory=lambda: defaultdict(int))
    statuses: dict = field(default_factory=lambda: defaultdict(int))
    sent: int = 0
    shed: int = 0
    unfinished: int = 0
    http_errors: int = 0
    connection_errors: int = 0


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
            if len(tasks) >= MAX_INFLIGHT:
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


def mixed(port: int, manifest: dict, args, duration: float, seed: int, rate: int = 0) -> dict:
    """The simulated members for ``duration`` seconds, acting every ``--think`` seconds on
    average, or as often as offers ``rate`` requests a second."""
    members = simulated_members(manifest, args.mixed_members)
    think = len(members) / rate if rate else args.think
    wait_quiet(args.quiet_wait)
    stats, elapsed = steady(
        f"open-loop load (seed {seed})",
        lambda: asyncio.run(open_loop(port, manifest, members, think, duration, seed)),
        args.pg,
    )
    return summarize(stats, elapsed, duration)


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
    s = mixed(port, manifest, args, args.step_duration, seed, rate)
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
