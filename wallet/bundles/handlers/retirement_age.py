"""法定退休年龄 under 《国务院关于渐进式延迟法定退休年龄的办法》 (2024, from 1 January 2025),
adopted by 全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定.

The original ages (60 for men, 55 for women in 管理和专业技术岗位 (cadres), 50 for
women in 工人岗位) rise by one month for every four months of birth from the first
cohort (men born January 1965, women cadres January 1970), up to 36 months (63, 58),
and for women workers by one month for every two months of birth from January 1975, up
to 60 months (55) (办法 附件1-3). 弹性提前退休 may come up to three years before the new
age, never before the original one (办法 第二条).
"""

from __future__ import annotations

from datetime import date
from typing import Final, Literal

__all__ = ["Track", "earliest_retirement", "statutory_retirement"]

Track = Literal["male", "female_cadre", "female_worker"]

# original age (years), first cohort (year, month), months of birth per month of delay,
# most months of delay
_RULES: Final[dict[Track, tuple[int, tuple[int, int], int, int]]] = {
    "male": (60, (1965, 1), 4, 36),
    "female_cadre": (55, (1970, 1), 4, 36),
    "female_worker": (50, (1975, 1), 2, 60),
}
FLEXIBLE_EARLY_MONTHS: Final = 36


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    try:
        return day.replace(year=year, month=month + 1)
    except ValueError:  # the 29th-31st of a shorter month: its last day
        next_first = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
        return date.fromordinal(next_first.toordinal() - 1)


def delay_months(born: date, track: Track) -> int:
    _, (year, month), per, most = _RULES[track]
    offset = (born.year * 12 + born.month) - (year * 12 + month)
    return 0 if offset < 0 else min(most, offset // per + 1)


def statutory_retirement(born: date, track: Track) -> date:
    """The day the holder reaches the statutory retirement age."""
    age = _RULES[track][0]
    return _add_months(born, age * 12 + delay_months(born, track))


def earliest_retirement(born: date, track: Track, *, flexible_early: bool) -> date:
    """The first day the holder may retire: the statutory day, or with 弹性提前退休 up to
    three years earlier but not before the original age."""
    statutory = statutory_retirement(born, track)
    if not flexible_early:
        return statutory
    original = _add_months(born, _RULES[track][0] * 12)
    return max(original, _add_months(statutory, -FLEXIBLE_EARLY_MONTHS))
