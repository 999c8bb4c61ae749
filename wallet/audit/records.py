"""What the audit log records and hands back: typed, frozen, free of any framework.

Consent and shares append an :class:`AuditEvent` through the :class:`AuditTrail`
protocol *inside their own transaction*, so an entry commits or rolls back with the
change it records. An event names the citizens who may read it by 公民身份号码; the
store keeps only keyed references to them, never the numbers. A summary is what the
citizen reads (service, purpose, item, types, claim names, outcome) and never a claim
value: the log proves who asked for what, it is not a second copy of the data.

The summary keys the citizen's pages render (each optional): ``service`` (the
service's name), ``client_id``, ``purpose``, ``item`` (the bundle item's code) and
``item_name_zh`` (its Chinese name), ``types`` (certificate types), ``claims`` (claim
names, or a mapping type -> claim names), ``asks`` (type -> claim names, one party's)
or ``parties`` (each with its ``asks``), ``type`` (a delegation's), ``request`` (the
request a delegate's use served, with the same keys), ``outcome`` (``"ok"`` or the
refusal's error code), ``on_behalf_of``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = [
    "AUDIT_ACTORS",
    "AUDIT_KINDS",
    "AuditEntry",
    "AuditEvent",
    "AuditTrail",
    "ChainedEntry",
    "Checkpoint",
    "SignedHead",
]

AUDIT_KINDS = frozenset(
    {
        "request_created",
        "request_approved",
        "request_denied",
        "request_withdrawn",
        "grant_revoked",
        "grant_expired",
        "pull",
        "pull_refused",
        "delegation_granted",
        "delegation_revoked",
        "delegation_used",
    }
)
"""Every kind of entry; an append of any other kind is a programming error."""

AUDIT_ACTORS = frozenset({"citizen", "guardian", "delegate", "admin", "platform"})
"""The actors besides ``service:<client_id>``, which names the relying service."""


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One thing that happened to a citizen's certificates, as a caller appends it.

    ``actor`` is ``"service:<client_id>"`` or one of :data:`AUDIT_ACTORS`; ``holders``
    lists the 公民身份号码 of every citizen who may read the entry (stored only as keyed
    references); ``summary`` never carries a claim value.
    """

    kind: str
    actor: str
    holders: tuple[str, ...]
    summary: Mapping[str, Any]
    grant_id: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry as read back, with its place in the chain."""

    seq: int
    at: datetime
    kind: str
    actor: str
    summary: dict[str, Any]
    grant_id: str | None
    prev_hash: str
    entry_hash: str


@dataclass(frozen=True, slots=True)
class ChainedEntry:
    """An entry with the keyed references of its readers: all its hash covers."""

    entry: AuditEntry
    holder_refs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SignedHead:
    """The chain's length and last hash, signed by the platform key (base64url)."""

    count: int
    head_hash: str
    at: datetime
    kid: str
    signature: str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A published head: the same statement, also as a compact JWS anyone can check."""

    count: int
    head_hash: str
    at: datetime
    kid: str
    signature: str
    jws: str


class AuditTrail(Protocol):
    """Where consent and shares record what they did."""

    def append(self, conn: Connection, event: AuditEvent, now: datetime) -> str:
        """Append in the caller's transaction (so the entry commits or rolls back with the
        change it records); returns the entry's hash, the receipt a share carries."""
        ...
