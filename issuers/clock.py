"""Time, injected: the clock every validity check is handed, and China Standard Time.

Nothing reads the time inline (DESIGN.md): a service takes a :data:`Clock` and tests
pass one they can move. Data stays in UTC; China Standard Time (UTC+8, no daylight
saving) is where a certificate's dates live (its validity starts and ends at local
midnight) and how pages show times.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

__all__ = ["CHINA_STANDARD_TIME", "Clock", "utc_now"]

Clock = Callable[[], datetime]

CHINA_STANDARD_TIME: Final = timezone(timedelta(hours=8), "CST")


def utc_now() -> datetime:
    """The system clock, in UTC: the default :data:`Clock` outside tests."""
    return datetime.now(UTC)
