"""Failpoints, FOR TESTS ONLY: the crash tests make a worker kill itself at a chosen
point of a bundle, then restart it and check every output was minted exactly once.

``ELICENSE_FAILPOINTS`` is a comma-separated list of ``<point>:<code>``:

* ``before_item:<item code>``: at the start of the item's step (between two items);
* ``after_mint:<item code>``: after the item's handler returned (its certificates
  minted and committed) and before the step is recorded;
* ``after_consent_request:<bundle code>``: after the application's consent request
  was made (committed, in the citizens' wallets) and before the application recorded
  it.

The process sends itself SIGKILL there: no clean-up, no atexit, as a power cut. Unset
(the default, and always in production) nothing happens. The list is read once, when
the runtime launches, never at import.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

__all__ = ["FAILPOINTS_ENV", "failpoints_from", "no_failpoint"]

FAILPOINTS_ENV = "ELICENSE_FAILPOINTS"


def no_failpoint(point: str, item_code: str) -> None:
    return None


def failpoints_from(value: str | None) -> Callable[[str, str], None]:
    """The failpoint function for ``value`` (the variable's text); a no-op when empty."""
    armed = frozenset(part.strip() for part in (value or "").split(",") if part.strip())
    if not armed:
        return no_failpoint

    def failpoint(point: str, item_code: str) -> None:
        if f"{point}:{item_code}" in armed:
            os.kill(os.getpid(), signal.SIGKILL)

    return failpoint
