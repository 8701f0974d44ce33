"""`make bench` (docs/benchmarks.md), and servers.py: gunicorn and the local PostgreSQL
started, stopped and waited for, by the bench and by the fault drill (tests/faults)."""

import sys
import tempfile
from datetime import datetime
from pathlib import Path

# Working files: manifests, wrk's request lists, the gunicorn log, the results as JSON.
WORK = Path(tempfile.gettempdir()) / "studygroup-bench"


def log(msg: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)
