"""`--phases soak`: does the app's memory stay flat under load, for ten minutes?

The mixed load at a rate the machine serves (``--soak-rate``) for ``--soak-duration``
seconds, in steps of ``--soak-step``; after each step every gunicorn process's RSS and PSS
(bench.cpu.memory). Flat means: no worker's RSS at the end is more than ``GROWTH_LIMIT``
above what it was once the first fifth of the soak had warmed it (its caches filled, its
compiled queries built), and nothing failed.
"""

from __future__ import annotations

import copy

from bench import cpu, load, log

GROWTH_LIMIT = 0.05  # of a worker's warm RSS


def soak(port: int, master: int, manifest: dict, args) -> dict:
    quiet = copy.copy(args)
    quiet.quiet_wait = 0  # one load, cut into steps: no waiting between them
    steps = []
    elapsed = 0.0
    while elapsed < args.soak_duration:
        seconds = min(args.soak_step, args.soak_duration - elapsed)
        r = load.mixed(port, manifest, quiet, seconds, seed=200 + len(steps), rate=args.soak_rate)
        elapsed += seconds
        memory = cpu.memory(master)
        workers = {p["pid"]: p["rss_mb"] for p in memory["processes"] if p["role"] == "worker"}
        steps.append(
            {
                "second": round(elapsed),
                "achieved_rps": r["achieved_rps"],
                "p95_ms": r["p95_ms"],
                "errors": r["errors"],
                "total_rss_mb": memory["total_rss_mb"],
                "total_pss_mb": memory["total_pss_mb"],
                "workers_rss_mb": workers,
            }
        )
        log(
            f"  {round(elapsed):4d} s: {r['achieved_rps']} req/s, p95 {r['p95_ms']} ms, "
            f"RSS {memory['total_rss_mb']} MB, PSS {memory['total_pss_mb']} MB"
        )
    warm = steps[max(0, len(steps) // 5 - 1)]["workers_rss_mb"]
    end = steps[-1]["workers_rss_mb"]
    growth = {pid: round(end[pid] / warm[pid] - 1, 3) for pid in end if warm.get(pid)}
    restarted = sorted(set(warm) ^ set(end))  # a worker that died and was replaced
    worst = max(growth.values(), default=0.0)
    return {
        "rate": args.soak_rate,
        "seconds": round(elapsed),
        "steps": steps,
        "growth": growth,
        "worst_growth": worst,
        "restarted": restarted,
        "errors": sum(s["errors"] for s in steps),
        "flat": worst <= GROWTH_LIMIT and not restarted,
    }


def target(s: dict) -> tuple[str, str, bool]:
    what = (
        f"memory flat over a {s['seconds'] / 60:g}-minute soak (each worker's RSS within "
        f"{GROWTH_LIMIT:.0%} of its warm size), no errors"
    )
    first, last = s["steps"][0], s["steps"][-1]
    text = (
        f"worst worker {s['worst_growth']:+.1%}; all RSS {first['total_rss_mb']} -> "
        f"{last['total_rss_mb']} MB, PSS {first['total_pss_mb']} -> {last['total_pss_mb']} MB; "
        f"{s['errors']} errors"
        + (f"; workers replaced: {s['restarted']}" if s["restarted"] else "")
    )
    return what, text, s["flat"] and s["errors"] == 0


def markdown(s: dict) -> list[str]:
    every = max(1, len(s["steps"]) // 10)  # about ten rows whatever the step
    shown = s["steps"][::every]
    if shown[-1] is not s["steps"][-1]:
        shown.append(s["steps"][-1])
    rows = [
        f"| {st['second']} | {st['achieved_rps']} | {st['p95_ms']} | {st['errors']} | "
        f"{st['total_rss_mb']} | {st['total_pss_mb']} | "
        f"{max(st['workers_rss_mb'].values(), default=0)} |"
        for st in shown
    ]
    return [
        "",
        "### Memory under a long load",
        "",
        f"The mixed load at {s['rate']} req/s offered for {s['seconds']} s, memory read after "
        "every step (gunicorn's master and workers, from /proc). Each worker's growth from "
        f"its warm size (after the first fifth) to the end: "
        + ", ".join(f"{g:+.1%}" for g in s["growth"].values())
        + ".",
        "",
        "| second | achieved req/s | p95 ms | errors | RSS MB, all | PSS MB, all | "
        "largest worker's RSS MB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
    ]
