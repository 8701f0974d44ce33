"""A request that waits on the database longer than it ever should is cut off, so a hung
(frozen, not refusing) PostgreSQL turns into 503s in seconds instead of workers held until
gunicorn kills them without an answer.

The server enforces ``statement_timeout`` on slow queries, and ``connect_timeout`` bounds a
new connection; neither helps when the server does not answer at all: the kernel still
acknowledges the bytes, so the worker waits forever on a connection it already has. Here a
real-time alarm (``SIGALRM``, so only in a process's main thread: gunicorn's sync workers)
interrupts that wait with ``Overdue``, a database error the 503 middleware answers.
"""

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError


class Overdue(OperationalError):
    """The database did not answer within the request's deadline."""


_fired = False  # the main thread's last deadline ran out (signals only reach that thread)


def _alarm(signum: int, frame: object) -> None:
    global _fired
    _fired = True
    raise Overdue("the database did not answer in time")


def ran_out() -> bool:
    """Whether the deadline of the block just left ran out (even if what it raised was
    caught and turned into a response further in)."""
    return _fired


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise ``Overdue`` in this block after ``seconds`` (a no-op outside the main thread
    or for 0). Nested, the inner deadline wins while it runs, and the outer one resumes."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    global _fired
    _fired = False
    previous_handler = signal.signal(signal.SIGALRM, _alarm)
    began = time.monotonic()
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if outer:  # an enclosing deadline goes on with what it has left
            left = outer - (time.monotonic() - began)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))
