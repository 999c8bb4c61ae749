"""The audit log's service: append in the caller's transaction, read, verify.

:class:`AuditService` implements :class:`~wallet.audit.records.AuditTrail`. Each
append, under the head's lock: the entry's ``seq`` is the head's count + 1, its hash
commits to the previous one (:mod:`wallet.audit.chain`), the head is re-signed, and
when the last published checkpoint is :data:`CHECKPOINT_EVERY` old (or there is none)
a new one is published in the same transaction, so the platform signs a checkpoint of
the chain at least every minute of activity.

Citizens' 公民身份号码 never reach the store: each becomes an HMAC-SHA256 under a key
derived from the master key (:func:`issuers.crypto.platform_key.platform_mac_key`).
Framework-free: the store arrives typed by :class:`AuditStorage`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from issuers.clock import Clock
from issuers.crypto.keys import Algorithm, SigningKey, VerifyingKey
from issuers.crypto.platform_key import (
    platform_mac_key,
    platform_signing_key,
    platform_verifying_keys,
)
from issuers.errors import InvalidInput
from wallet.audit import chain
from wallet.audit.records import (
    AUDIT_ACTORS,
    AUDIT_KINDS,
    AuditEntry,
    AuditEvent,
    ChainedEntry,
    Checkpoint,
    SignedHead,
)
from wallet.audit.saved_checkpoints import SavedCheckpoint
from wallet.audit.verification import AuditReport, verify_chain

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["CHECKPOINT_EVERY", "MAX_PAGE", "AuditService", "AuditStorage"]

CHECKPOINT_EVERY = timedelta(seconds=60)
MAX_PAGE = 100
_HOLDER_REF_PURPOSE = "audit holder refs"


class AuditStorage(Protocol):
    """What the service needs of the store (:class:`wallet.audit.store.AuditStore`)."""

    def lock_head(
        self, conn: Connection, genesis: Callable[[], SignedHead]
    ) -> tuple[SignedHead, datetime | None]: ...
    def insert_entry(self, conn: Connection, chained: ChainedEntry) -> None: ...
    def update_head(self, conn: Connection, head: SignedHead) -> None: ...
    def insert_checkpoint(self, conn: Connection, checkpoint: Checkpoint) -> None: ...
    def head(self) -> SignedHead | None: ...
    def head_rows(self) -> int: ...
    def entries_after(self, after_seq: int, limit: int) -> list[ChainedEntry]: ...
    def checkpoints_between(self, first: int, last: int) -> list[Checkpoint]: ...
    def checkpoints_older_than(self, before: int | None, limit: int) -> list[Checkpoint]: ...
    def entries_for_holder(
        self, holder_ref: str, before_seq: int | None, limit: int
    ) -> list[AuditEntry]: ...


class AuditService:
    """The hash-chained, platform-signed audit log."""

    def __init__(
        self,
        store: AuditStorage,
        clock: Clock,
        master_key: bytes,
        *,
        platform_alg: Algorithm = Algorithm.EDDSA,
    ) -> None:
        self._store = store
        self._clock = clock
        self._key = platform_signing_key(master_key, platform_alg)
        self._kid = self._key.public.kid  # a thumbprint: made once, not on every append
        # Earlier keys too: checkpoints signed before a switch of algorithm still verify.
        self._keys = chain.PlatformKeys(tuple(platform_verifying_keys(master_key, platform_alg)))
        self._ref_key = platform_mac_key(master_key, _HOLDER_REF_PURPOSE)

    @property
    def verifying_key(self) -> VerifyingKey:
        """The platform's public key that signs now."""
        return self._key.public

    @property
    def verifying_keys(self) -> tuple[VerifyingKey, ...]:
        """What ``GET /platform/jwks`` publishes: the key that signs now, first, then the
        Ed25519 key it replaced when the platform signs with SM2."""
        return self._keys.keys

    @property
    def signing_key(self) -> SigningKey:
        """The platform key, for the shares' annotations (the same key signs both)."""
        return self._key

    def holder_ref(self, id_number: str) -> str:
        """The keyed reference stored in place of a 公民身份号码."""
        return hmac.new(self._ref_key, id_number.encode("utf-8"), hashlib.sha256).hexdigest()

    # -- appending ------------------------------------------------------------------

    def append(self, conn: Connection, event: AuditEvent, now: datetime) -> str:
        """Append in the caller's transaction; returns the entry's hash (the receipt)."""
        _check(event)
        summary: dict[str, Any] = json.loads(chain.canonical_json(dict(event.summary)))
        refs = tuple(sorted({self.holder_ref(code) for code in event.holders}))
        genesis = partial(self._signed_head, 0, chain.GENESIS_HASH, now)
        head, latest = self._store.lock_head(conn, genesis)  # latest: checkpoint time
        seq = head.count + 1
        digest = chain.entry_hash(
            head.head_hash,
            seq=seq,
            at=now,
            kind=event.kind,
            actor=event.actor,
            summary=summary,
            grant_id=event.grant_id,
            holder_refs=refs,
        )
        entry = AuditEntry(
            seq, now, event.kind, event.actor, summary, event.grant_id, head.head_hash, digest
        )
        self._store.insert_entry(conn, ChainedEntry(entry, refs))
        self._store.update_head(conn, self._signed_head(seq, digest, now))
        if latest is None or now - latest >= CHECKPOINT_EVERY:
            self._store.insert_checkpoint(conn, self._checkpoint(seq, digest, now))
        return digest

    def _signed_head(self, count: int, head_hash: str, at: datetime) -> SignedHead:
        signature = chain.sign_statement(self._key, count, head_hash, at)
        return SignedHead(count, head_hash, at, self._kid, signature)

    def _checkpoint(self, count: int, head_hash: str, at: datetime) -> Checkpoint:
        head = self._signed_head(count, head_hash, at)
        token = chain.checkpoint_jws(self._key, count, head_hash, at)
        return Checkpoint(count, head_hash, at, head.kid, head.signature, token)

    # -- reading --------------------------------------------------------------------

    def head(self) -> SignedHead | None:
        return self._store.head()

    def checkpoints(self, *, before: int | None = None, limit: int = 20) -> list[Checkpoint]:
        """Published checkpoints, newest first; ``before`` is the cursor (a count)."""
        return self._store.checkpoints_older_than(before, _bounded(limit))

    def entries_for(
        self, id_number: str, *, before: int | None = None, limit: int = 20
    ) -> list[AuditEntry]:
        """The entries this citizen may read, newest first; ``before`` is a ``seq``."""
        return self._store.entries_for_holder(self.holder_ref(id_number), before, _bounded(limit))

    def verify(
        self, *, batch_size: int = 1000, saved: Sequence[SavedCheckpoint] | None = None
    ) -> AuditReport:
        """Walk the whole chain against the head and checkpoints, and against checkpoints
        saved outside the database when given; names the first bad row."""
        return verify_chain(self._store, self._keys, batch_size=batch_size, saved=saved)

    def now(self) -> datetime:
        return self._clock()


def _bounded(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE))


def _check(event: AuditEvent) -> None:
    if event.kind not in AUDIT_KINDS:
        raise InvalidInput(f"unknown audit kind {event.kind!r}", field="kind")
    if event.actor not in AUDIT_ACTORS and not (
        event.actor.startswith("service:") and len(event.actor) > len("service:")
    ):
        raise InvalidInput(f"unknown audit actor {event.actor!r}", field="actor")
    if isinstance(event.holders, str):
        raise InvalidInput("holders is a tuple of ID numbers, not one string", field="holders")
