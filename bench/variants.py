"""`--phases settings`: the server's settings measured, not guessed.

README's production recipe (gunicorn, sync workers, ``--workers`` of them, persistent
connections with health checks, the project's Python) is the base. Each variant changes one
thing: the worker class, the number of workers, ``DJANGO_CONN_MAX_AGE``, psycopg's
server-side binding, the Python. Base and variant are served side by side, on the same
database, and loaded in turn (which goes first alternates) with the same mixed load at a
fixed offered rate; each run reads the app's CPU per answered request (gunicorn's master and
workers, from /proc) and the latency. Ratios are variant / base, medians over the runs, so
under 1 is cheaper or quicker than the recipe.
"""

from __future__ import annotations

import hashlib
import os
import subprocess

from bench import WORK, load, log
from bench.against import TICK_MS, ticks
from bench.load import median
from bench.servers import GUNICORN, ROOT, Gunicorn

SYNC = ["--worker-class", "sync", "--timeout", "60"]


def variants(workers: int) -> dict[str, dict]:
    """Name -> what it changes: gunicorn's arguments, its worker count, the environment."""
    half = max(1, workers // 2)

    def n(count: int) -> str:
        return f"{count} worker{'s' if count != 1 else ''}"

    return {
        f"gthread, {n(half)} x 4 threads": {
            "args": ["--worker-class", "gthread", "--threads", "4", "--timeout", "60"],
            "workers": half,
        },
        f"sync, {n(half)}": {"workers": half},
        f"sync, {n(workers * 2)}": {"workers": workers * 2},
        "a new database connection a request (DJANGO_CONN_MAX_AGE=0)": {
            "env": {"DJANGO_CONN_MAX_AGE": "0"}
        },
        "psycopg server-side binding (DJANGO_DB_SERVER_SIDE_BINDING=1)": {
            "env": {"DJANGO_DB_SERVER_SIDE_BINDING": "1"}
        },
        "Python 3.13": {"python": "3.13"},
    }


def other_python(version: str) -> str | None:
    """gunicorn in a scratch venv of Python ``version`` (pyenv's) with the project's pinned
    dependencies, made once for each state of pyproject.toml; None if there is no such
    Python here."""
    found = subprocess.run(
        ["python", "-c", "import sys; print(sys.executable)"],
        env={**os.environ, "PYENV_VERSION": version}, capture_output=True, text=True,
    )  # fmt: skip
    python = found.stdout.strip()
    if found.returncode != 0 or not python:
        return None
    venv = WORK / f"venv-{version}"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    marker = venv / "pyproject.sha256"
    if not (marker.exists() and marker.read_text() == wanted):
        log(f"a venv of Python {version} for gunicorn: {venv}")
        subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "--upgrade", "pip==26.3"], check=True)
        subprocess.run([*pip, "--group", "dev"], cwd=ROOT, check=True)
        marker.write_text(wanted)
    return str(venv / "bin" / "gunicorn")


def serve(env: dict, name: str, spec: dict, workers: int) -> Gunicorn | None:
    gunicorn: str | None = GUNICORN
    if (version := spec.get("python")) and (gunicorn := other_python(version)) is None:
        log(f"  {name}: no Python {version} here; skipped")
        return None
    logfile = WORK / f"gunicorn-variant-{hashlib.md5(name.encode()).hexdigest()[:8]}.log"
    return Gunicorn(
        {**env, **spec.get("env", {})}, logfile, spec.get("workers", workers),
        spec.get("args", SYNC), gunicorn=gunicorn or GUNICORN,
    )  # fmt: skip


def measure(server: Gunicorn, manifest: dict, args, seed: int) -> dict:
    before = ticks(server.pid)
    r = load.mixed(server.port, manifest, args, args.settings_duration, seed, args.settings_rate)
    r["cpu_ms"] = round((ticks(server.pid) - before) * TICK_MS / max(1, r["requests"]), 2)
    load.settle(server.port)
    return r


def compare(env: dict, manifest: dict, args) -> dict:
    """Each variant against the base, side by side: medians and ratios (variant / base)."""
    base = Gunicorn(env, WORK / "gunicorn-variant-base.log", args.workers, SYNC)
    out: dict = {"rate": args.settings_rate, "seconds": args.settings_duration, "variants": {}}
    try:
        for name, spec in variants(args.workers).items():
            variant = serve(env, name, spec, args.workers)
            if variant is None:
                continue
            try:
                sides = {"base": base, "variant": variant}
                for side in sides.values():  # warm: each worker's caches and connections
                    load.mixed(side.port, manifest, args, 3, seed=90, rate=args.settings_rate)
                runs: dict[str, list[dict]] = {"base": [], "variant": []}
                for n in range(args.runs):
                    order = ["base", "variant"] if n % 2 == 0 else ["variant", "base"]
                    for side in order:
                        runs[side].append(measure(sides[side], manifest, args, seed=20 + n))
            finally:
                variant.stop()
            row = {
                side: {
                    "cpu_ms": median(r["cpu_ms"] for r in rs),
                    "p50_ms": median(r["p50_ms"] or 0 for r in rs),
                    "p95_ms": median(r["p95_ms"] or 0 for r in rs),
                    "achieved_rps": median(r["achieved_rps"] for r in rs),
                    "errors": sum(r["errors"] for r in rs),
                }
                for side, rs in runs.items()
            }
            for what in ("cpu_ms", "p50_ms", "p95_ms"):
                row[what.replace("_ms", "_ratio")] = round(
                    row["variant"][what] / max(row["base"][what], 0.01), 2
                )
            out["variants"][name] = row
            log(
                f"  {name}: CPU/request x{row['cpu_ratio']}, p50 x{row['p50_ratio']}, "
                f"p95 x{row['p95_ratio']} ({row['variant']['errors']} errors)"
            )
    finally:
        base.stop()
    return out


def markdown(s: dict, workers: int) -> list[str]:
    rows = [
        f"{name} | {r['variant']['cpu_ms']} vs {r['base']['cpu_ms']} | **{r['cpu_ratio']}** | "
        f"{r['variant']['p50_ms']} vs {r['base']['p50_ms']} | {r['p50_ratio']} | "
        f"{r['variant']['p95_ms']} vs {r['base']['p95_ms']} | {r['p95_ratio']} | "
        f"{r['variant']['errors']}"
        for name, r in s["variants"].items()
    ]
    head = (
        "variant | CPU ms/request (variant vs base) | ratio | p50 ms | ratio | p95 ms | ratio "
        "| errors"
    )
    return [
        "",
        "### Server settings, each against the recipe",
        "",
        f"The base: gunicorn with {workers} sync workers, `DJANGO_CONN_MAX_AGE=60` with health "
        f"checks, psycopg's client-side binding, the project's Python. Each variant changes one "
        f"thing; both serve the bench's database side by side and take the mixed load at "
        f"{s['rate']} req/s offered for {s['seconds']} s in turn, which goes first alternating; "
        "medians of the runs, ratios variant / base (under 1: cheaper or quicker).",
        "",
        "| " + head + " |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *[f"| {row} |" for row in rows],
    ]


def printed(s: dict) -> list[str]:
    return [
        f"  {name[:58]:58} CPU x{r['cpu_ratio']:<5} p50 x{r['p50_ratio']:<5} "
        f"p95 x{r['p95_ratio']:<5} errors {r['variant']['errors']}"
        for name, r in s["variants"].items()
    ]
