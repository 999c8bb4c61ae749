"""行政区划代码 (administrative division codes), GB/T 2260.

Six digits: province (2), prefecture (2), county (2); a level that is not used is
``00``. The bundled table (``gb2260_regions.json``) holds every provincial-level
division and the cities and districts the samples use; :func:`validate_region`
accepts a code whose province is known, and :func:`region_name` names what the table
knows.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from issuers.errors import InvalidCode

_SHAPE = re.compile(r"[0-9]{6}")


@cache
def region_table() -> dict[str, str]:
    raw = resources.files("issuers.codes").joinpath("gb2260_regions.json").read_text("utf-8")
    return {k: v for k, v in json.loads(raw).items() if not k.startswith("_")}


def province_of(code: str) -> str:
    return code[:2] + "0000"


def validate_region(value: str, *, field: str = "region_code", known: bool = False) -> str:
    """Return the code if it is six digits of a known province.

    With ``known=True`` the code itself must be in the bundled table (used for
    issuers, whose region we display by name).
    """
    if not isinstance(value, str) or not _SHAPE.fullmatch(value):
        raise InvalidCode("行政区划代码 must be six digits (GB/T 2260)", field=field)
    table = region_table()
    if province_of(value) not in table:
        raise InvalidCode(f"行政区划代码 {value} names no province in GB/T 2260", field=field)
    if known and value not in table:
        raise InvalidCode(
            f"行政区划代码 {value} is not in the bundled GB/T 2260 table", field=field
        )
    if value[2:4] == "00" and value[4:] != "00":
        raise InvalidCode(f"行政区划代码 {value} has a county under no prefecture", field=field)
    return value


def region_name(code: str) -> str | None:
    """The full name of ``code``, or of its nearest known parent, or None."""
    table = region_table()
    for candidate in (code, code[:4] + "00", province_of(code)):
        if candidate in table:
            return table[candidate]
    return None
