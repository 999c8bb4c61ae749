"""What the consent pages show: a request, the parties the citizen acts for, and the
exact values each approval would share, worded in Chinese for a page.

The consent service decides everything (who may see and act, which certificate, which
values); this module only words its answer. The preview shows each shared value as it
is, as plain text: the raw value first, then a reading where a code has one
(``1（男 male）``), so what the citizen reads is what the service will receive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from issuers.catalogue import CATALOGUE
from verifiers.inspector.display import FieldRow, field_rows, label_for
from wallet.consent.citizen import AskPreview, PartyPreview, RequestView
from wallet.consent.items import BundleItem
from wallet.consent.records import Delegation

__all__ = [
    "DECISION_ZH",
    "STATE_ZH",
    "ActingFor",
    "AskRow",
    "DelegationRow",
    "RequestRow",
    "delegable_types",
    "delegation_row",
    "request_row",
    "shared_rows",
]

STATE_ZH: Final[Mapping[str, str]] = {
    "pending": "待同意",
    "active": "生效中",
    "denied": "已拒绝",
    "revoked": "已撤销",
    "withdrawn": "已撤回",
    "expired": "已过期",
    "exhausted": "次数已用完",
}
DECISION_ZH: Final[Mapping[str, str]] = {
    "pending": "待决定",
    "approved": "已同意",
    "denied": "已拒绝",
    "revoked": "已撤销",
}
_VIA_ZH: Final[Mapping[str, str]] = {
    "self": "本人",
    "guardian": "监护人（为未成年子女）",
    "delegate": "受托人（持证人委托）",
}


@dataclass(frozen=True, slots=True)
class AskRow:
    """One asked certificate type: the certificate that would be shared and exactly
    its shared values, or ``missing`` when the holder has no valid one."""

    type_slug: str
    type_zh: str
    type_en: str
    claims_zh: tuple[str, ...]
    identifier: str | None
    rows: tuple[FieldRow, ...]

    @property
    def missing(self) -> bool:
        return self.identifier is None


@dataclass(frozen=True, slots=True)
class ActingFor:
    """A party the citizen acts for, and what the page lets them do for it."""

    holder_code: str
    via: str
    via_zh: str
    decision: str
    decision_zh: str
    on_behalf_of: str  # "" for the citizen themself, else the holder's 公民身份号码
    may_deny: bool  # the holder or their guardian; a delegate only approves
    asks: tuple[AskRow, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(a.type_zh for a in self.asks if a.missing)


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: str
    state: str
    state_zh: str
    service_name: str
    purpose: str
    item_zh: str
    item_en: str
    expires_at: datetime
    max_uses: int
    uses_taken: int
    uses_left: int
    parties_total: int
    parties_approved: int
    acting: tuple[ActingFor, ...]

    @property
    def revoke_for(self) -> ActingFor | None:
        """The party a revocation is made for: the citizen, else a minor child."""
        return next((a for a in self.acting if a.may_deny), None)


@dataclass(frozen=True, slots=True)
class DelegationRow:
    id: str
    given: bool  # True: the citizen is the owner
    owner_code: str
    delegate_code: str
    type_zh: str
    item_zh: str
    expires_at: datetime
    created_at: datetime
    revoked_at: datetime | None
    active: bool


def _raw(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def shared_rows(values: Mapping[str, Any]) -> tuple[FieldRow, ...]:
    """The shared values as table rows: nested parts under headings, each scalar as it
    is, followed by its reading when the display gives a different one."""
    rows: list[FieldRow] = []

    def add(name: str, value: Any, depth: int, item: int | None = None) -> None:
        zh, en = label_for(name)
        if item is not None:
            zh, en = f"{zh}（{item}）", f"{en} #{item}"
        if isinstance(value, Mapping):
            rows.append(FieldRow(zh, en, None, depth))
            for key, inner in value.items():
                add(str(key), inner, depth + 1)
        elif isinstance(value, list | tuple) and any(isinstance(v, Mapping) for v in value):
            rows.append(FieldRow(zh, en, None, depth))
            for index, part in enumerate(value, start=1):
                add(name, part, depth + 1, index)
        elif isinstance(value, list | tuple):
            rows.append(FieldRow(zh, en, "、".join(_raw(v) for v in value), depth))
        elif value is None:
            rows.append(FieldRow(zh, en, "（空）", depth))
        else:
            raw = _raw(value)
            shown = field_rows({name: value})
            reading = shown[0].value if shown else None
            text = raw if reading in (None, raw) else f"{raw}（{reading}）"
            rows.append(FieldRow(zh, en, text, depth))

    for key, value in values.items():
        add(str(key), value, 0)
    return tuple(rows)


def _ask(ask: AskPreview) -> AskRow:
    kind = CATALOGUE[ask.type_slug]
    chosen = ask.certificate
    return AskRow(
        type_slug=ask.type_slug,
        type_zh=kind.name_zh,
        type_en=kind.name_en,
        claims_zh=tuple(label_for(c)[0] for c in ask.claims),
        identifier=None if chosen is None else chosen.identifier,
        rows=() if chosen is None else shared_rows(chosen.values),
    )


def _acting(preview: PartyPreview, citizen: str) -> ActingFor:
    party = preview.party
    holder = party.holder_code
    return ActingFor(
        holder_code=holder,
        via=preview.via,
        via_zh=_VIA_ZH[preview.via],
        decision=party.decision,
        decision_zh=DECISION_ZH[party.decision],
        on_behalf_of="" if holder == citizen else holder,
        may_deny=preview.via in ("self", "guardian"),
        asks=tuple(_ask(a) for a in preview.asks),
    )


def request_row(view: RequestView, citizen: str) -> RequestRow:
    request, item = view.request, view.item
    return RequestRow(
        id=request.id,
        state=view.state,
        state_zh=STATE_ZH[view.state],
        service_name=request.client_name,
        purpose=request.purpose,
        item_zh=item.name_zh,
        item_en=item.name_en,
        expires_at=request.expires_at,
        max_uses=request.max_uses,
        uses_taken=request.uses_taken,
        uses_left=request.uses_left,
        parties_total=len(request.parties),
        parties_approved=sum(p.decision == "approved" for p in request.parties),
        acting=tuple(_acting(p, citizen) for p in view.mine),
    )


def delegation_row(
    delegation: Delegation, citizen: str, items: Mapping[str, BundleItem], now: datetime
) -> DelegationRow:
    item = None if delegation.bundle_item is None else items.get(delegation.bundle_item)
    return DelegationRow(
        id=delegation.id,
        given=delegation.owner_code == citizen,
        owner_code=delegation.owner_code,
        delegate_code=delegation.delegate_code,
        type_zh=CATALOGUE[delegation.type_slug].name_zh,
        item_zh="全部事项" if item is None else item.name_zh,
        expires_at=delegation.expires_at,
        created_at=delegation.created_at,
        revoked_at=delegation.revoked_at,
        active=delegation.active_at(now),
    )


def delegable_types(items: Sequence[BundleItem]) -> list[tuple[str, str]]:
    """(slug, name_zh) of every type some bundle item asks for, in catalogue order."""
    asked = {slug for item in items for slug in item.certificates}
    return [(slug, kind.name_zh) for slug, kind in CATALOGUE.items() if slug in asked]
