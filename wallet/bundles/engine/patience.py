"""A step outlasts a database restart.

A bundle step reads and writes the app's database; when that database restarts (or
its connection drops) mid-step, the step's work was rolled back and may run again, as
it does after a crash (every step is idempotent: it reads what a first run did). So a
step meeting an unreachable or busy database (:func:`issuers.store.faults.retryable`)
waits and runs again, for up to :data:`PATIENCE_S` seconds, instead of failing the
whole application over a passing fault. Anything else (a refusal, a read-only or full
database, a bug) is raised at once, as before. DBOS's own writes (the step's record)
already wait for its system database to come back (``dbos._sys_db.db_retry``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from issuers.store.faults import retryable

__all__ = ["PATIENCE_S", "patiently"]

T = TypeVar("T")
PATIENCE_S = 60.0  # a PostgreSQL restart or failover takes seconds; a step waits longer
FIRST_DELAY_S = 0.25
LONGEST_DELAY_S = 4.0

_log = logging.getLogger("elicense.bundles")


def patiently(
    work: Callable[[], T],
    *,
    patience_s: float = PATIENCE_S,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``work()``, run again after a retryable database fault until ``patience_s`` has
    passed (then the fault is raised)."""
    deadline = clock() + patience_s
    delay = FIRST_DELAY_S
    while True:
        try:
            return work()
        except Exception as exc:
            if not retryable(exc) or clock() + delay > deadline:
                raise
            _log.warning("bundle step: database unavailable (%s); again", type(exc).__name__)
        sleep(delay)
        delay = min(delay * 2, LONGEST_DELAY_S)
