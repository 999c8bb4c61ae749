"""统一社会信用代码 (unified social credit code, USCC), GB 32100-2015.

Eighteen characters from the 31-character set ``0-9`` and ``A-Z`` without
I, O, S, V and Z (§4.2): registration authority (1), organisation kind (1),
GB/T 2260 region (6), organisation identifier (9), check character (1).
The check character (§4.3, Annex A) is ``31 - (Σ Ci·Wi mod 31)``, with 31 written 0,
where ``Wi = 3^(i-1) mod 31``. Example: ``91310115591693856A``.
"""

from __future__ import annotations

import re

from issuers.errors import CheckDigitMismatch, InvalidCode

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(USCC_CHARSET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_SHAPE = re.compile(f"[{USCC_CHARSET}]{{18}}")


def uscc_check(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters."""
    if len(first17) != 17 or any(ch not in _VALUE for ch in first17):
        raise ValueError("GB 32100 check takes 17 characters of its 31-character set")
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: str, *, field: str = "uscc") -> str:
    """Return the normalised USCC, or raise a typed error naming ``field``."""
    if not isinstance(value, str):
        raise InvalidCode("统一社会信用代码 must be a string", field=field)
    code = value.strip().upper()
    if not _SHAPE.fullmatch(code):
        raise InvalidCode(
            "统一社会信用代码 must be 18 characters of 0-9 and A-Z without I, O, S, V, Z "
            "(GB 32100)",
            field=field,
        )
    expected = uscc_check(code[:17])
    if code[17] != expected:
        raise CheckDigitMismatch(
            f"统一社会信用代码 check character is {code[17]}, GB 32100 gives {expected}",
            field=field,
        )
    return code


def make_uscc(first17: str) -> str:
    """Append the check character (for synthetic sample organisations)."""
    return first17 + uscc_check(first17)


def registration_region(uscc: str) -> str:
    """Positions 3-8 of a (validated) USCC: the 登记管理机关行政区划码, the GB/T 2260
    region of the authority that registered the organisation (100000 for central
    registrations). Not checked against a table here; the caller decides what it must
    lie in."""
    return uscc[2:8]
