"""ISO/IEC 7064 check character systems used by Chinese national codes.

* MOD 11-2 (pure system, radix 2), used by GB 11643 公民身份号码.
* MOD 37,36 (hybrid system, M = 36), used by GB/T 36904 电子证照标识.

ISO/IEC 7064:2003 §7 (pure systems) and §8 (hybrid systems). The hybrid recursion:
``P1 = M``; for each character ``S_j = (P_j + a_j) mod M`` (0 read as M) and
``P_{j+1} = (2 · S_j) mod (M + 1)``; the check character ``c`` satisfies
``(P_{n+1} + c) mod M = 1``.

Both run on every verification, so the recursions are precomputed into tables
(state × character → next state), and the weighted sum is one ``int()`` in C.
"""

from __future__ import annotations

from functools import lru_cache

ALNUM36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_M = 36


# _HYBRID_NEXT[p][byte] is the next state after reading that ASCII byte in state p,
# or -1 for a byte outside 0-9A-Z.
_HYBRID_NEXT: tuple[tuple[int, ...], ...] = tuple(
    tuple(
        (2 * ((p + ALNUM36.index(chr(b))) % _M or _M)) % (_M + 1) if chr(b) in ALNUM36 else -1
        for b in range(128)
    )
    for p in range(_M + 1)
)


def mod11_2_check(digits: str) -> str:
    """Return the MOD 11-2 check character ('0'-'9' or 'X') for 17 decimal digits."""
    if len(digits) != 17 or not digits.isascii() or not digits.isdigit():
        raise ValueError("MOD 11-2 here takes exactly 17 decimal digits")
    return mod11_2_digits_check(digits)


def mod11_2_digits_check(digits: str) -> str:
    """:func:`mod11_2_check` of 17 characters already known to be ASCII digits.

    The weights are 2^(17-i) mod 11 and 13 ≡ 2 (mod 11), so the weighted sum is
    ≡ 2 · (the digits read in base 13): one ``int()`` in C instead of a weighted sum."""
    return _MOD11_2_CHARACTERS[2 * int(digits, 13) % 11]


# The check character by the weighted sum mod 11: (12 - sum) mod 11, 10 written X.
_MOD11_2_CHARACTERS = tuple("0123456789X"[(12 - r) % 11] for r in range(11))


def mod37_36_check(text: str, *, after: str = "") -> str:
    """Return the MOD 37,36 check character over ``after + text`` (characters 0-9, A-Z).

    ``after`` is a leading part whose state is remembered (a few hundred of them: the
    type and issuer codes of an identifier), so only ``text`` is walked each time."""
    product = _hybrid_state(after) if after else _M
    return ALNUM36[(1 - _hybrid_walk(text, product)) % _M]


def _hybrid_walk(text: str, product: int) -> int:
    if not text.isascii():
        raise ValueError("MOD 37,36 takes characters 0-9 and A-Z only")
    table = _HYBRID_NEXT
    for byte in text.encode("ascii"):
        product = table[product][byte]
        if product < 0:
            raise ValueError(f"character {chr(byte)!r} is outside 0-9A-Z")
    return product


@lru_cache(maxsize=512)
def _hybrid_state(text: str) -> int:
    return _hybrid_walk(text, _M)
