"""Where the machine's CPU goes while the bench runs (the load tools, the app, the bench's
PostgreSQL backends, everything else), waiting for a quiet moment before a measurement,
and the memory of gunicorn's processes: all read from /proc."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from bench import log
from bench.servers import children

T0 = time.monotonic()


class CpuMeter(threading.Thread):
    """Adds up the CPU ticks of the benchmark's own processes, sampling /proc every second
    so that short-lived ones (a PostgreSQL backend whose connection gunicorn recycles) are
    counted too: the client (this process and the children it has waited for: wrk, the
    in-process and xtd measurements), the app (gunicorn and its workers), the database
    (PostgreSQL backends serving the bench database). The rest of the machine's busy time
    is other work."""

    def __init__(self, db: str) -> None:
        super().__init__(daemon=True)
        self.db, self.server = db, None  # the bench database; gunicorn's pid once it runs
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
        db, server = self.db, self.server
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


def start(db: str) -> CpuMeter:
    """Start metering; the processes serving ``db`` count as the bench's database."""
    global METER
    METER = CpuMeter(db)
    METER.start()
    return METER


def cpu_ticks() -> dict[str, int]:
    """CPU ticks so far: the whole machine's busy time and the benchmark's parts (CpuMeter)."""
    return (METER or start("studygroup_bench")).snapshot()


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


def memory(master: int) -> dict:
    """RSS and PSS (shared pages split among their users) of the master and its workers."""

    def mb(path: str, name: str) -> float:
        try:
            lines = Path(path).read_text().splitlines()
            kb = next(int(ln.split()[1]) for ln in lines if ln.startswith(name + ":"))
        except (OSError, StopIteration):
            kb = 0
        return round(kb / 1024, 1)

    procs = [
        {
            "pid": pid,
            "role": "master" if pid == master else "worker",
            "rss_mb": mb(f"/proc/{pid}/status", "VmRSS"),
            "pss_mb": mb(f"/proc/{pid}/smaps_rollup", "Pss"),
        }
        for pid in [master, *children(master)]
    ]
    return {
        "processes": procs,
        "total_rss_mb": round(sum(p["rss_mb"] for p in procs), 1),
        "total_pss_mb": round(sum(p["pss_mb"] for p in procs), 1),
    }
