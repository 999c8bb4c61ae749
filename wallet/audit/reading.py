"""An audit entry as a citizen reads it: in Chinese, in Beijing time, no hashes to parse.

Both the API (``GET /wallet/audit``) and the web page (``/web/audit``) render entries
through :func:`reading_of`, so the two never disagree. Only the summary keys listed in
:mod:`wallet.audit.records` are shown; a claim value never reaches a summary.

Each code keeps its machine-readable form (``item``, ``types``, ``claims``: what API
clients already read) and gains a readable one beside it for the citizen: ``item_name``
(the bundle item's 中文名, which consent writes as ``item_name_zh`` because the audit log
cannot import consent's bundle files; the code itself for entries written before),
``type_names`` (居民身份证) and ``claim_labels`` (居民身份证·姓名), parallel to the codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from wallet.audit.asked import AskedType, asked_in
from wallet.audit.records import AuditEntry

__all__ = ["ACTOR_NAMES", "BEIJING", "KIND_NAMES", "Reading", "reading_of"]

BEIJING = ZoneInfo("Asia/Shanghai")

KIND_NAMES = {
    "request_created": "发起授权申请",
    "request_approved": "同意授权",
    "request_denied": "拒绝授权",
    "request_withdrawn": "授权申请已撤回",
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
    item: str | None  # the bundle item's code
    item_name: str | None  # its 中文名 (the code for an entry that did not record it)
    types: list[str]  # slugs
    type_names: list[str]  # 居民身份证, parallel to ``types``
    claims: list[str]  # ``type.claim`` (or a bare claim name in older entries)
    claim_labels: list[str]  # 居民身份证·姓名, parallel to ``claims``
    asked: tuple[AskedType, ...]  # the same, grouped by type, for the page
    outcome: str | None
    grant_id: str | None
    receipt: str  # the entry's hash, as a share carries it


def reading_of(entry: AuditEntry) -> Reading:
    summary = entry.summary
    # A delegate's use records the request it decided under one level down.
    about = summary.get("request")
    context: dict[str, Any] = dict(about) if isinstance(about, dict) else {}
    context |= {key: value for key, value in summary.items() if value is not None}
    asked = asked_in(summary)
    typed = [a for a in asked if a.slug]
    item = _text(context.get("item"))
    return Reading(
        seq=entry.seq,
        kind=entry.kind,
        kind_name=KIND_NAMES.get(entry.kind, entry.kind),
        at=entry.at.astimezone(BEIJING),
        actor=entry.actor,
        actor_name=_actor_name(entry.actor, context),
        service=_text(context.get("service")),
        purpose=_text(context.get("purpose")),
        item=item,
        item_name=_text(context.get("item_name_zh")) or item,
        types=[a.slug for a in typed],
        type_names=[a.name for a in typed],
        claims=[f"{a.slug}.{c}" if a.slug else c for a in asked for c in a.claims],
        claim_labels=[f"{a.name}·{lb}" if a.slug else lb for a in asked for lb in a.labels],
        asked=asked,
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
