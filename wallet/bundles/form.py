"""The one form (一表制): prefilled from verified certificates, conflicts flagged,
resolved and submitted by the applicant. Pure functions, no database, no clock.

A field with ``sources`` takes its value from the verified claims; a source's claim is a
top-level claim or a dotted path whose segments may select one record of a list:
``members[id_number=$holder].relation`` reads the ``relation`` of the member whose
``id_number`` is the source role's holder. When two sources give different values the
field is a conflict (e.g. the address on the 居民身份证 and on the 居民户口簿): the
form keeps the first value and submitting is refused (:class:`~issuers.errors.
FormConflict`, 409) until the applicant picks or types one (:func:`resolve`). A
``typed`` field is what no certificate has (the baby's name, a bank card); submitting
checks its kind.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from issuers.errors import FormConflict, InvalidInput
from wallet.bundles.definitions.schema import BundleDefinition, ClaimSource, TypedInput
from wallet.bundles.records import FieldValue, FormConflictEntry

__all__ = ["check_typed", "prefill", "read_claim", "resolve", "submission"]

Certificates = Mapping[str, Mapping[str, Mapping[str, Any]]]  # role -> type -> claims
_SELECT = re.compile(r"^(?P<name>[A-Za-z0-9_]+)(?:\[(?P<key>[A-Za-z0-9_]+)=(?P<value>[^\]]+)\])?$")
_CHINESE_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,20}$")
_PHONE = re.compile(r"^1[3-9][0-9]{9}$")
_BANK_CARD = re.compile(r"^[0-9]{12,19}$")
MAX_TEXT = 200
# Unicode control, format (bidi overrides, zero-width), surrogate, private, unassigned:
# a value shown to departments and operators must read as what it is.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def read_claim(claims: Mapping[str, Any], path: str, holder: str | None) -> Any:
    """The value at ``path`` in ``claims``, or None when any segment is absent."""
    value: Any = claims
    for segment in path.split("."):
        match = _SELECT.match(segment)
        if match is None or not isinstance(value, Mapping):
            return None
        value = value.get(match["name"])
        if match["key"] is not None:
            wanted = holder if match["value"] == "$holder" else match["value"]
            if not isinstance(value, list):
                return None
            value = next(
                (r for r in value if isinstance(r, Mapping) and r.get(match["key"]) == wanted),
                None,
            )
        if value is None:
            return None
    return value


def _label(source: ClaimSource) -> str:
    return f"{source.role}.{source.type}.{source.claim}"


def prefill(
    definition: BundleDefinition, certificates: Certificates, holders: Mapping[str, str]
) -> tuple[dict[str, FieldValue], list[FormConflictEntry]]:
    """The form's fields found in the certificates, and the fields they disagree on."""
    form: dict[str, FieldValue] = {}
    conflicts: list[FormConflictEntry] = []
    for field in definition.form:
        found: list[FieldValue] = []
        for source in field.sources:
            claims = certificates.get(source.role, {}).get(source.type)
            if claims is None:
                continue
            value = read_claim(claims, source.claim, holders.get(source.role))
            if value is not None:
                found.append(FieldValue(value, _label(source)))
        if not found:
            continue
        form[field.code] = found[0]
        distinct: list[FieldValue] = []
        for candidate in found:
            if all(candidate.value != seen.value for seen in distinct):
                distinct.append(candidate)
        if len(distinct) > 1:
            conflicts.append(FormConflictEntry(field.code, tuple(distinct)))
    return form, conflicts


def resolve(
    definition: BundleDefinition,
    form: Mapping[str, FieldValue],
    conflicts: Sequence[FormConflictEntry],
    field: str,
    value: Any,
) -> tuple[dict[str, FieldValue], list[FormConflictEntry]]:
    """The applicant's choice for a conflicting field (one of the values, or typed)."""
    if not any(c.field == field for c in conflicts):
        known = {f.code for f in definition.form}
        why = "is not in conflict" if field in known else "is not a field of this form"
        raise InvalidInput(f"field {field!r} {why}", field="field")
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise InvalidInput("give the value to keep", field="value")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise InvalidInput(f"a value takes at most {MAX_TEXT} characters", field="value")
    if isinstance(value, str) and _hidden(value):
        raise InvalidInput("a value holds control or invisible characters", field="value")
    updated = dict(form)
    updated[field] = FieldValue(value.strip() if isinstance(value, str) else value, "resolved")
    return updated, [c for c in conflicts if c.field != field]


def submission(
    definition: BundleDefinition,
    form: Mapping[str, FieldValue],
    conflicts: Sequence[FormConflictEntry],
    typed: Mapping[str, Any],
) -> dict[str, Any]:
    """The submitted form (field -> value), or FormConflict naming what is unresolved
    and the required typed fields missing; a typed value of the wrong kind is 422."""
    fields = {f.code: f for f in definition.form}
    for code in typed:
        spec = fields.get(code)
        if spec is None or spec.typed is None:
            raise InvalidInput(f"{code!r} is not a field the applicant types", field=code)
    values: dict[str, Any] = {code: v.value for code, v in form.items()}
    missing: list[str] = []
    for spec in definition.form:
        if spec.typed is None:
            continue
        raw = typed.get(spec.code)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.typed.required:
                missing.append(spec.code)
            continue
        values[spec.code] = check_typed(spec.typed, raw, spec.code)
    unresolved = [c.field for c in conflicts]
    if unresolved or missing:
        parts = []
        if unresolved:
            parts.append("certificates disagree on " + ", ".join(unresolved))
        if missing:
            parts.append("required fields are missing: " + ", ".join(missing))
        raise FormConflict(
            "; ".join(parts),
            field=(unresolved or missing)[0],
            details={"conflicts": unresolved, "missing": missing},
        )
    return values


def check_typed(spec: TypedInput, raw: Any, code: str) -> str:
    """A typed value, checked against its kind (422 naming the field otherwise)."""
    if not isinstance(raw, str):
        raise InvalidInput("a typed value is text", field=code)
    value = raw.strip()
    ok = {
        "chinese_name": lambda: bool(_CHINESE_NAME.match(value)),
        "text": lambda: 1 <= len(value) <= MAX_TEXT and not _hidden(value),
        "phone": lambda: bool(_PHONE.match(value)),
        "bank_card": lambda: bool(_BANK_CARD.match(value)) and _luhn(value),
        "date": lambda: _is_date(value),
        "choice": lambda: value in spec.choices,
        "count": lambda: value.isascii() and value.isdigit() and len(value) <= 6,
    }[spec.kind]()
    if not ok:
        raise InvalidInput(f"{code} is not a valid {spec.kind.replace('_', ' ')}", field=code)
    return value


def _hidden(text: str) -> bool:
    return any(unicodedata.category(char) in _HIDDEN for char in text)


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        number = int(char)
        if position % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10
