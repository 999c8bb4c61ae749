"""What every department handler reads the same way: dates in China time, numbers drawn
from the application id (so a retried step assigns the same number), the holder and
guardians of the role an output goes to, and minting that turns a bad value into the
department's refusal instead of an error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from issuers.clock import CHINA_STANDARD_TIME
from issuers.errors import InvalidInput
from wallet.bundles.definitions.schema import OutputDefinition, RoleDefinition
from wallet.bundles.handlers.base import ItemContext, Minted, Minter, Rejected

CHILD_ID_FACT = "child_id_number"

# 与被监护人关系 (issuers.catalogue._guardians) by the guardian's role, else by sex.
_RELATIONSHIP_BY_ROLE = {"father": "父亲", "mother": "母亲"}


def china_date(moment: datetime) -> date:
    return moment.astimezone(CHINA_STANDARD_TIME).date()


def as_date(value: Any, what: str) -> date:
    """A claim or form value as a date (SD-JWT claims arrive as ISO 8601 text)."""
    if isinstance(value, datetime):
        return china_date(value) if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    try:
        text = str(value)
        if "T" in text:
            return china_date(datetime.fromisoformat(text))
        return date.fromisoformat(text)
    except ValueError:
        raise Rejected("invalid_value", f"{what}不是有效日期：{value!r}") from None


def as_datetime(value: Any, what: str) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise Rejected("invalid_value", f"{what}不是有效时间：{value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_STANDARD_TIME)


def drawn(application_id: str, label: str, modulus: int) -> int:
    """A number in ``[0, modulus)`` fixed by the application and ``label``: a retry
    draws the same, two applications (almost always) different ones."""
    digest = hashlib.sha256(f"{application_id}\x00{label}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % modulus


def digits(application_id: str, label: str, count: int) -> str:
    return f"{drawn(application_id, label, 10**count):0{count}d}"


def claims(context: ItemContext, role: str, type_slug: str) -> Mapping[str, Any]:
    return context.certificates.get(role, {}).get(type_slug, {})


def supplied(context: ItemContext, type_slug: str, what_zh: str) -> tuple[str, Mapping[str, Any]]:
    """The first role (in the bundle's order) that supplied a ``type_slug``, and its
    claims; none is the department's refusal."""
    for definition in context.bundle.roles:
        found = claims(context, definition.code, type_slug)
        if found:
            return definition.code, found
    raise Rejected("certificate_missing", f"缺少{what_zh}，无法办理{context.item.name_zh}")


def holder(context: ItemContext, role_code: str) -> str:
    found = context.holders.get(role_code)
    if not found:
        raise Rejected("holder_missing", f"申请中没有{role_code}的公民身份号码")
    return found


def form_value(context: ItemContext, code: str, what_zh: str) -> Any:
    value = context.form.get(code)
    if value is None or value == "":
        raise Rejected("form_incomplete", f"表单缺少{what_zh}（{code}）")
    return value


def fact(context: ItemContext, name: str) -> Any:
    """A fact any earlier item decided (the child's 公民身份号码 reaches every later item)."""
    for decided in context.facts.values():
        if name in decided:
            return decided[name]
    return None


def child_id(context: ItemContext) -> str:
    value = fact(context, CHILD_ID_FACT)
    if not value:
        raise Rejected("child_not_registered", "新生儿尚未完成出生登记，暂无公民身份号码")
    return str(value)


def outputs(context: ItemContext, type_slug: str) -> list[tuple[int, OutputDefinition]]:
    """This item's outputs of ``type_slug``, with their index (for the mint key)."""
    return [(i, o) for i, o in enumerate(context.item.outputs) if o.type == type_slug]


def role(context: ItemContext, code: str) -> RoleDefinition | None:
    return next((r for r in context.bundle.roles if r.code == code), None)


def guardians(context: ItemContext, ward_role: str) -> list[dict[str, str]]:
    """The guardians of ``ward_role`` (its ``guardian_roles`` that have a holder), by
    name, 公民身份号码 and relationship, so a minor's certificate reaches each."""
    ward = role(context, ward_role)
    found: list[dict[str, str]] = []
    for code in () if ward is None else ward.guardian_roles:
        holder = context.holders.get(code)
        if not holder:
            continue
        card = claims(context, code, "resident_id")
        name = card.get("name") or context.form.get(f"{code}_name")
        if not name:
            raise Rejected("form_incomplete", f"缺少监护人（{code}）的姓名")
        relationship = _RELATIONSHIP_BY_ROLE.get(code) or "其他"
        found.append({"name": str(name), "id_number": holder, "relationship": relationship})
    return found


def mint(
    context: ItemContext,
    minter: Minter,
    index: int,
    output: OutputDefinition,
    fields: Mapping[str, Any],
    *,
    valid_from: date | None = None,
) -> Minted:
    """Mint output ``index`` once (its key); a value the certificate refuses is the
    department's refusal, shown to the citizen, never a failed step."""
    try:
        return minter.mint(
            context.mint_key(index), output.type, output.issuer, fields, valid_from=valid_from
        )
    except InvalidInput as exc:
        raise Rejected("invalid_output", f"证照信息有误：{exc.message}") from None


def reissue(
    context: ItemContext, minter: Minter, index: int, identifier: str, fields: Mapping[str, Any]
) -> Minted:
    try:
        return minter.reissue(context.mint_key(index), identifier, fields)
    except InvalidInput as exc:
        raise Rejected("invalid_output", f"证照信息有误：{exc.message}") from None


def person(context: ItemContext, role_code: str) -> tuple[str, str, int]:
    """(公民身份号码, name, sex) of the role an output goes to: from its resident ID card
    when it has one, else the newborn's (the number birth registration assigned, the
    name and sex of the form)."""
    card = claims(context, role_code, "resident_id")
    number = context.holders.get(role_code)
    if card and number:
        return number, str(card.get("name", "")), int(card.get("sex", 0))
    number = number or child_id(context)
    name = form_value(context, "child_name", "新生儿姓名")
    return number, str(name), int(form_value(context, "child_sex", "新生儿性别"))


def household_region(context: ItemContext, fallback: str) -> str:
    """The region code of the first household register supplied (where the family lives),
    else the birth certificate's region of birth, else ``fallback``."""
    for definition in context.bundle.roles:
        register = claims(context, definition.code, "household_register")
        if register.get("region_code"):
            return str(register["region_code"])
    for definition in context.bundle.roles:
        birth = claims(context, definition.code, "birth_medical")
        if birth.get("birth_region_code"):
            return str(birth["birth_region_code"])
    return fallback
