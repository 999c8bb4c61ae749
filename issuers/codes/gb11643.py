"""公民身份号码 (citizen identity number), GB 11643-1999.

Layout (§4): six-digit address code (GB/T 2260), eight-digit birth date
``YYYYMMDD``, three-digit sequence code (odd for men, even for women), and a
check character computed with ISO 7064 MOD 11-2 (§8.2), where 10 is written ``X``.
Worked example from the standard: ``11010519491231002X``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from issuers.codes.iso7064 import mod11_2_check, mod11_2_digits_check
from issuers.errors import CheckDigitMismatch, InvalidCode

_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


@dataclass(frozen=True, slots=True)
class ResidentIdNumber:
    value: str
    region_code: str
    birth_date: date
    sequence: str

    @property
    def sex_code(self) -> int:
        """GB/T 2261.1 sex code: 1 male (odd sequence), 2 female (even)."""
        return 1 if int(self.sequence[-1]) % 2 else 2


def parse_resident_id(value: str, *, field: str = "id_number") -> ResidentIdNumber:
    """Validate a 公民身份号码 and return its parts; raise a typed error naming ``field``."""
    code = resident_id(value, field=field)
    born = date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    return ResidentIdNumber(code, code[:6], born, code[14:17])


def resident_id(value: str, *, field: str = "id_number") -> str:
    """:func:`parse_resident_id`'s checks and errors, returning only the number
    (stripped, ``x`` upper-cased): what a field validator needs, on every verify."""
    if not isinstance(value, str):
        raise InvalidCode("公民身份号码 must be a string", field=field)
    code = value.strip().upper()
    if not _SHAPE.fullmatch(code):
        raise InvalidCode(
            "公民身份号码 must be 17 digits followed by a digit or X (GB 11643)", field=field
        )
    try:
        date.fromisoformat(code[6:14])  # YYYYMMDD (ISO 8601 basic), digits only here
    except ValueError:
        raise InvalidCode(
            f"公民身份号码 holds an impossible birth date {code[6:14]}", field=field
        ) from None
    expected = mod11_2_digits_check(code[:17])
    if code[17] != expected:
        raise CheckDigitMismatch(
            f"公民身份号码 check digit is {code[17]}, GB 11643 MOD 11-2 gives {expected}",
            field=field,
        )
    return code


def make_resident_id(region_code: str, birth_date: date, sequence: int) -> str:
    """Build a valid number from its parts (for synthetic sample citizens)."""
    if not (len(region_code) == 6 and region_code.isdigit()) or not 0 <= sequence <= 999:
        raise ValueError("region code must be six digits and sequence 0-999")
    body = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return body + mod11_2_check(body)
