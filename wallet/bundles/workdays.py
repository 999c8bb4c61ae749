"""Working days (工作日) for promised times (承诺时限), as the report counts them.

The calendar is Monday to Friday in China Standard Time (UTC+8). Public holidays and
the weekend days worked in their place (调休) are **not** modelled: the State
Council publishes them once a year, and a wrong guess would flag or hide an overdue
item; a calendar table can replace :func:`is_working_day` when one is kept.

How a promise of ``n`` working days is counted (自受理之次日起算): the day an item
starts is day 0, and its deadline is the end (24:00 CST) of the ``n``-th working day
after it. ``n = 0`` means the end of the start day itself, or of the next working
day when the item started on a weekend. Pure: no clock is read here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from issuers.clock import CHINA_STANDARD_TIME

__all__ = ["deadline", "is_working_day", "working_days_between", "working_seconds"]

_DAY = timedelta(days=1)


def is_working_day(day: date) -> bool:
    """Monday to Friday (holidays not modelled, see the module's docstring)."""
    return day.weekday() < 5


def _local_day(moment: datetime) -> date:
    return moment.astimezone(CHINA_STANDARD_TIME).date()


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), CHINA_STANDARD_TIME)


def deadline(start: datetime, promised_days: int) -> datetime:
    """The end of the ``promised_days``-th working day after ``start``'s local day."""
    if promised_days < 0:
        raise ValueError("promised_days must not be negative")
    day = _local_day(start)
    if promised_days == 0:
        while not is_working_day(day):
            day += _DAY
    remaining = promised_days
    while remaining:
        day += _DAY
        if is_working_day(day):
            remaining -= 1
    return _start_of(day + _DAY)


def working_days_between(after: datetime, until: datetime) -> int:
    """Working days that began (local midnight) in ``[after, until]``: how many working
    days late an item is, counted from its deadline (a deadline is a midnight, so the
    working day right after it counts from its first second)."""
    day = _local_day(after)
    if _start_of(day) < after:
        day += _DAY
    count = 0
    while _start_of(day) <= until:
        count += is_working_day(day)
        day += _DAY
    return count


def working_seconds(start: datetime, end: datetime) -> float:
    """Seconds of ``[start, end)`` that fall on working days (a working day counts all
    its 24 hours). Negative spans count zero."""
    if end <= start:
        return 0.0
    total = 0.0
    day = _local_day(start)
    while True:
        day_start = _start_of(day)
        if day_start >= end:
            return total
        if is_working_day(day):
            overlap = min(end, day_start + _DAY) - max(start, day_start)
            total += max(overlap.total_seconds(), 0.0)
        day += _DAY
