"""ISO/IEC 7064 check character systems used by Chinese national codes.

* MOD 11-2 (pure system, radix 2), used by GB 11643 公民身份号码.
* MOD 37,36 (hybrid system, M = 36), used by GB/T 36904 电子证照标识.

ISO/IEC 7064:2003 §7 (pure systems) and §8 (hybrid systems). The hybrid recursion:
``P1 = M``; for each character ``S_j = (P_j + a_j) mod M`` (0 read as M) and
``P_{j+1} = (2 · S_j) mod (M + 1)``; the check character ``c`` satisfies
``(P_{n+1} + c) mod M = 1``.
"""

from __future__ import annotations

ALNUM36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ALNUM36_VALUE = {ch: i for i, ch in enumerate(ALNUM36)}

# Weights 2^(i) mod 11 for the 17 information digits of a resident ID, left to right.
_MOD11_2_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))


def mod11_2_check(digits: str) -> str:
    """Return the MOD 11-2 check character ('0'-'9' or 'X') for 17 decimal digits."""
    if len(digits) != 17 or not digits.isascii() or not digits.isdigit():
        raise ValueError("MOD 11-2 here takes exactly 17 decimal digits")
    total = sum(int(d) * w for d, w in zip(digits, _MOD11_2_WEIGHTS, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def mod37_36_check(text: str) -> str:
    """Return the MOD 37,36 check character over ``text`` (characters 0-9, A-Z)."""
    modulus = 36
    product = modulus
    for ch in text:
        try:
            value = _ALNUM36_VALUE[ch]
        except KeyError:
            raise ValueError(f"character {ch!r} is outside 0-9A-Z") from None
        total = (product + value) % modulus or modulus
        product = (2 * total) % (modulus + 1)
    return ALNUM36[(1 - product) % modulus]
