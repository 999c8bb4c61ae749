"""An audit entry as a citizen reads it: in Chinese, in Beijing time, no hashes to parse.

Both the API (``GET /wallet/audit``) and the web page (``/web/audit``) render entries
through :func:`reading_of`, so the two never disagree. Only the summary keys listed in
:mod:`wallet.audit.records` are shown; a claim value never reaches a summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from wallet.audit.records import AuditEntry

__all__ = ["ACTOR_NAMES", "BEIJING", "KIND_NAMES", "Reading", "reading_of"]

BEIJING = ZoneInfo("Asia/Shanghai")

KIND_NAMES = {
    "request_created": "发起授权申请",
    "request_approved": "同意授权",
    "request_denied": "拒绝授权",
    "grant_revoked": "撤销授权",
    "grant_expired": "授权到期",
    "pull": "调取证照",
    "pull_refused": "调取被拒绝",
    "delegation_granted": "委托他人使用",
    "delegation_revoked": "撤销委托",
    "delegation_used": "受托人使用",
}

ACTOR_NAMES = {
    "citizen": "本人",
    "guardian": "监护人",
    "delegate": "受托人",
    "admin": "管理员",
    "platform": "平台",
}


@dataclass(frozen=True, slots=True)
class Reading:
    seq: int
    kind: str
    kind_name: str
    at: datetime  # Asia/Shanghai
    actor: str
    actor_name: str
    service: str | None
    purpose: str | None
    item: str | None
    types: list[str]
    claims: list[str]
    outcome: str | None
    grant_id: str | None
    receipt: str  # the entry's hash, as a share carries it


def reading_of(entry: AuditEntry) -> Reading:
    summary = entry.summary
    return Reading(
        seq=entry.seq,
        kind=entry.kind,
        kind_name=KIND_NAMES.get(entry.kind, entry.kind),
        at=entry.at.astimezone(BEIJING),
        actor=entry.actor,
        actor_name=_actor_name(entry.actor, summary),
        service=_text(summary.get("service")),
        purpose=_text(summary.get("purpose")),
        item=_text(summary.get("item")),
        types=_names(summary.get("types")),
        claims=_claims(summary.get("claims")),
        outcome=_text(summary.get("outcome")),
        grant_id=entry.grant_id,
        receipt=entry.entry_hash,
    )


def _actor_name(actor: str, summary: dict[str, Any]) -> str:
    if actor.startswith("service:"):
        return _text(summary.get("service")) or actor.removeprefix("service:")
    return ACTOR_NAMES.get(actor, actor)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _names(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []


def _claims(value: object) -> list[str]:
    """Claim names: a list, or a mapping type -> names shown as ``type.claim``."""
    if isinstance(value, dict):
        return [f"{kind}.{name}" for kind, names in value.items() for name in _names(names)]
    return _names(value)
