"""`make bench` (docs/benchmarks.md): run.py runs the phases; servers.py starts and stops
gunicorn and PostgreSQL (the fault tests use it too), pages.py names the requests, load.py
drives them, inproc.py counts queries in-process, cpu.py meters the machine, report.py
writes the table. The data set is ``manage.py bench_data`` (studygroup/demo)."""

import sys
import tempfile
from datetime import datetime
from pathlib import Path

# Working files: manifests, wrk's request lists, the gunicorn log, the results as JSON.
WORK = Path(tempfile.gettempdir()) / "studygroup-bench"


def log(msg: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)
