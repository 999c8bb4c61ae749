"""Free text on certificates: one rule for every name, address, authority and place.

Every free-text field (names, addresses, authorities, places, permit numbers kept as
printed) is one of the types below, and each carries :data:`PRINTABLE_TEXT`: text a person
reads on an inspector's screen or a printed certificate. Refused:

* control characters (Cc: NUL, tab, newline, ESC, DEL, C1), line and paragraph
  separators (Zl, Zp) and lone surrogates (Cs, which JSON's ``\\ud800`` escapes can make);
* format characters (Cf), among them every bidirectional control of UAX #9 (U+061C,
  U+200E/F, the embeddings and overrides U+202A-U+202E, the isolates U+2066-U+2069:
  U+202E turns "张伟" into a name read backwards), zero-width spaces, BOMs and tags.
  Kept: the joiners Arabic-script Uyghur and Mongolian spelling need (U+200C ZWNJ,
  U+200D ZWJ, U+180E MONGOLIAN VOWEL SEPARATOR);
* the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0): letters by category, but
  Default_Ignorable and drawn as nothing, so "张\u3164伟" would read as "张伟";
* text with no visible character: only white space, Default_Ignorable_Code_Point
  characters (UAX #44: Hangul fillers, variation selectors, ...), the blank braille
  pattern or combining marks.

Kept on purpose: private-use characters (registries still hold some 生僻字 there) and
code points this Python's Unicode tables do not know yet (newer CJK extensions).
The refused set is written out (a test checks it against unicodedata for every code
point) so that checking is one regex search; verification runs it on every QR too.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Final

from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

REFUSED_TEXT_CHARACTERS: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160"
    "\u3164\uffa0"
    "\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff"
    "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_BIDI_CONTROLS: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Most real text has one of these; only text without any needs the slow look.
_SURELY_VISIBLE: Final = re.compile(
    "[0-9A-Za-z\u00b7\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003ffff]"
)
_BLANK: Final = re.compile(
    # White_Space and Default_Ignorable_Code_Point (UAX #44, DerivedCoreProperties.txt),
    # plus U+2800 BRAILLE PATTERN BLANK, which renders as nothing.
    "[\\s\xad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


# The common case in one search: no refused character anywhere and at least one surely
# visible one (the two classes share no character; a test checks it). Text that does not
# match takes the two searches below, which say what is wrong.
_PLAINLY_PRINTABLE: Final = re.compile(
    f"[^{REFUSED_TEXT_CHARACTERS.pattern[1:-1]}]*?"
    f"{_SURELY_VISIBLE.pattern}"
    f"[^{REFUSED_TEXT_CHARACTERS.pattern[1:-1]}]*",
    re.DOTALL,
)


def _visible(char: str) -> bool:
    return not _BLANK.fullmatch(char) and unicodedata.category(char)[0] != "M"


def _printable_text(value: str) -> str:
    if _PLAINLY_PRINTABLE.fullmatch(value) is not None:
        return value
    refused = REFUSED_TEXT_CHARACTERS.search(value)
    if refused is not None:
        char = refused.group()
        kind = "bidirectional control" if char in _BIDI_CONTROLS else "control character"
        name = unicodedata.name(char, "")
        named = f"U+{ord(char):04X}" + (f" ({name})" if name else "")
        raise PydanticCustomError(
            "forbidden_character",
            "{reason}",
            {"reason": f"{kind} {named} at position {refused.start()}: text must be printable"},
        )
    if _SURELY_VISIBLE.search(value) is None and not any(_visible(c) for c in value):
        raise PydanticCustomError(
            "invisible_text",
            "{reason}",
            {"reason": "text has no visible character (only blank, zero-width or combining)"},
        )
    return value


PRINTABLE_TEXT: Final = AfterValidator(_printable_text)


def _free_text(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


ChineseName = Annotated[str, _free_text(30), PRINTABLE_TEXT]
"""A person's name as printed: 1-30 characters after stripping (may hold ``·``)."""

OrganisationName = Annotated[str, _free_text(100), PRINTABLE_TEXT]
"""An authority's or a company's name as registered."""

Address = Annotated[str, _free_text(120), PRINTABLE_TEXT]
"""A postal address as printed on the certificate."""

ShortText = Annotated[str, _free_text(60), PRINTABLE_TEXT]
"""A short free-text item (a business-scope entry, a place)."""

PrintedNumber = Annotated[str, _free_text(40), PRINTABLE_TEXT]
"""A permit or certificate number whose form varies by province (kept as printed)."""
