"""The audit entries consent appends: who asked for what, who decided, through whom.

A summary names the service, purpose, item, the asked types and claim names, never a
claim value and never a 公民身份号码 (those are the entry's readers, kept by the audit
log as keyed references). Beside each bundle item code it writes the item's Chinese
name (``item_name_zh``), so the citizen's audit page can name it without the audit log
importing consent's bundle files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from wallet.audit.records import AuditEvent
from wallet.consent.items import load_bundle_items
from wallet.consent.records import ConsentRequest, Delegation, Party

__all__ = [
    "decision_event",
    "delegation_event",
    "item_name_zh",
    "request_event",
    "withdrawal_event",
]


@cache
def _item_names() -> Mapping[str, str]:
    """The shipped bundle files' item names: the same files wiring hands the service."""
    return {code: item.name_zh for code, item in load_bundle_items().items()}


def item_name_zh(code: str | None) -> str | None:
    """出生登记 for ``birth_registration``; None for no item or one no bundle file names."""
    return None if code is None else _item_names().get(code)


def _about(request: ConsentRequest) -> dict[str, Any]:
    return {
        "service": request.client_name,
        "client_id": request.client_id,
        "purpose": request.purpose,
        "item": request.bundle_item,
        "item_name_zh": item_name_zh(request.bundle_item),
    }


def request_event(request: ConsentRequest) -> AuditEvent:
    summary = _about(request) | {
        "parties": [
            {"position": p.position, "asks": {slug: list(c) for slug, c in p.asks.items()}}
            for p in request.parties
        ],
        "max_uses": request.max_uses,
        "expires_at": request.expires_at.isoformat(),
    }
    return AuditEvent(
        kind="request_created",
        actor=f"service:{request.client_id}",
        holders=tuple(p.holder_code for p in request.parties),
        summary=summary,
        grant_id=request.id,
    )


def decision_event(
    kind: str, request: ConsentRequest, party: Party, via: str, citizen: str,
    readers: Iterable[str] = (),
) -> AuditEvent:  # fmt: skip
    """``request_approved``, ``request_denied`` or ``grant_revoked`` for one party."""
    summary = _about(request) | {
        "position": party.position,
        "asks": {slug: list(claims) for slug, claims in party.asks.items()},
        "via": via,
    }
    holders = tuple(dict.fromkeys((party.holder_code, citizen, *readers)))
    actor = "citizen" if via == "self" else via
    return AuditEvent(kind, actor, holders, summary, grant_id=request.id)


def withdrawal_event(request: ConsentRequest, was: str) -> AuditEvent:
    """``request_withdrawn``: the service took back its request (``was`` pending) or the
    grant made from it (``was`` active). Every party reads it, and whoever decided for
    one (a guardian, a delegate), as they read the request."""
    decided_by = (p.decided_by for p in request.parties if p.decided_by is not None)
    holders = tuple(dict.fromkeys((*(p.holder_code for p in request.parties), *decided_by)))
    return AuditEvent(
        kind="request_withdrawn",
        actor=f"service:{request.client_id}",
        holders=holders,
        summary=_about(request) | {"was": was},
        grant_id=request.id,
    )


def delegation_event(
    kind: str, delegation: Delegation, request: ConsentRequest | None = None
) -> AuditEvent:
    """``delegation_granted``, ``delegation_revoked`` or ``delegation_used``: the owner
    and the delegate both read it, so the owner sees every use."""
    summary: dict[str, Any] = {
        "delegation": delegation.id,
        "type": delegation.type_slug,
        "item": delegation.bundle_item,
        "item_name_zh": item_name_zh(delegation.bundle_item),
        "expires_at": delegation.expires_at.isoformat(),
    }
    if request is not None:
        summary |= {"request": _about(request)}
    actor = "delegate" if kind == "delegation_used" else "citizen"
    return AuditEvent(
        kind,
        actor,
        (delegation.owner_code, delegation.delegate_code),
        summary,
        grant_id=None if request is None else request.id,
    )
