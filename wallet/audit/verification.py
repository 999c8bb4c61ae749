"""Checking the audit log end to end, and naming the first row that is wrong.

The walk reads entries in ``seq`` order in bounded batches and, for each row:

1. ``seq`` must be the next number: a gap means a row was **deleted**;
2. its hash is recomputed from its stored content (holder references included): a
   mismatch means the row was **edited**;
3. its ``prev_hash`` must be the previous row's hash: a row whose own hash is right but
   whose link is broken means the *previous* row was edited and its hash recomputed,
   so the previous row is named;
4. a checkpoint at this count must be a valid JWS by the platform key over this row's
   hash; a row past the signed head's count was **inserted**.

After the walk, a checkpoint or a head counting more rows than exist means the last
rows were deleted, and a head naming another hash means the last row was rewritten.

Checkpoints saved outside the database (:mod:`wallet.audit.saved_checkpoints`) are the
check the log cannot fool by deleting its own evidence: each must verify with the
platform key, its row must be in the log with its hash, and the database must still
hold the checkpoint (else ``checkpoint N deleted``); one counting more rows than remain
means ``rows from N deleted``, even when entries, head and checkpoints are all gone.
The head's signature is checked first: nothing it says is used unless it verifies.
Framework-free; the store arrives typed by :class:`ChainReader`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from issuers.errors import SignatureInvalid
from wallet.audit import chain
from wallet.audit.records import ChainedEntry, Checkpoint, SignedHead
from wallet.audit.saved_checkpoints import SavedCheckpoint, signed_hashes

__all__ = ["AuditDamage", "AuditReport", "ChainReader", "Damage", "verify_chain"]

Damage = Literal[
    "edited", "deleted", "inserted", "checkpoint_invalid", "checkpoint_deleted", "head_invalid"
]
_NO_END = 2**62


class ChainReader(Protocol):
    def head(self) -> SignedHead | None: ...
    def head_rows(self) -> int: ...
    def entries_after(self, after_seq: int, limit: int) -> list[ChainedEntry]: ...
    def checkpoints_between(self, first: int, last: int) -> list[Checkpoint]: ...


@dataclass(frozen=True, slots=True)
class AuditDamage:
    """The first thing found wrong: the row named (if a row), what happened, in words."""

    row: int | None
    damage: Damage
    message: str


@dataclass(frozen=True, slots=True)
class AuditReport:
    """What a walk found: how far the chain checks out, and the first damage if any."""

    rows: int
    head_hash: str
    checkpoints: int
    damage: AuditDamage | None
    saved_checkpoints: int | None = None  # how many saved ones matched, when given

    @property
    def intact(self) -> bool:
        return self.damage is None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "intact": self.intact,
            "rows": self.rows,
            "head_hash": self.head_hash,
            "checkpoints": self.checkpoints,
        }
        if self.saved_checkpoints is not None:
            body["saved_checkpoints"] = self.saved_checkpoints
        if self.damage is not None:
            body["damage"] = {
                "row": self.damage.row,
                "kind": self.damage.damage,
                "message": self.damage.message,
            }
        return body


class _Walk:
    def __init__(self, saved: Mapping[int, str] | None) -> None:
        self.rows = 0
        self.last_hash = chain.GENESIS_HASH
        self.checkpoints = 0
        self.saved = saved  # count -> hash, from checkpoints saved outside the database
        self.saved_matched = 0

    def report(self, damage: AuditDamage | None = None) -> AuditReport:
        matched = None if self.saved is None else self.saved_matched
        return AuditReport(self.rows, self.last_hash, self.checkpoints, damage, matched)


def verify_chain(
    store: ChainReader,
    keys: chain.PlatformKeys,
    *,
    batch_size: int = 1000,
    saved: Sequence[SavedCheckpoint] | None = None,
) -> AuditReport:
    """Walk the whole log, and against ``saved`` checkpoints when given; the report
    names the first damage, or none. Each signature is checked with the platform key
    its kid names (``keys``)."""
    try:
        outside = None if saved is None else signed_hashes(saved, keys)
    except SignatureInvalid as exc:
        return _Walk({}).report(AuditDamage(None, "checkpoint_invalid", exc.message))
    walk = _Walk(outside)
    head = store.head()
    head_damage = _check_head(store, head, keys)
    if head_damage is not None:
        return walk.report(head_damage)
    signed_count = 0 if head is None else head.count
    for batch in _batches(store, batch_size):
        checkpoints = {
            cp.count: cp
            for cp in store.checkpoints_between(batch[0].entry.seq, batch[-1].entry.seq)
        }
        for chained in batch:
            damage = _check_row(
                walk, chained, signed_count, checkpoints.get(chained.entry.seq), keys
            )
            if damage is not None:
                return walk.report(damage)
    return walk.report(_check_tail(store, walk, head))


def _batches(store: ChainReader, batch_size: int) -> Iterator[list[ChainedEntry]]:
    after = 0
    while batch := store.entries_after(after, batch_size):
        yield batch
        after = batch[-1].entry.seq


def _check_head(
    store: ChainReader, head: SignedHead | None, keys: chain.PlatformKeys
) -> AuditDamage | None:
    if store.head_rows() > 1:
        return AuditDamage(None, "head_invalid", "more than one signed head")
    if head is None:
        return None  # with rows present, the tail check names the first as inserted
    try:
        chain.verify_statement(
            keys.named(head.kid), head.count, head.head_hash, head.at, head.signature
        )
    except SignatureInvalid:
        return AuditDamage(
            None, "head_invalid", "the signed head does not verify with the platform key"
        )
    return None


def _check_row(
    walk: _Walk,
    chained: ChainedEntry,
    signed_count: int,
    checkpoint: Checkpoint | None,
    keys: chain.PlatformKeys,
) -> AuditDamage | None:
    entry = chained.entry
    expected = walk.rows + 1
    if entry.seq != expected:
        return AuditDamage(
            expected, "deleted", f"row {expected} deleted: the chain jumps to row {entry.seq}"
        )
    recomputed = chain.entry_hash(
        entry.prev_hash,
        seq=entry.seq,
        at=entry.at,
        kind=entry.kind,
        actor=entry.actor,
        summary=entry.summary,
        grant_id=entry.grant_id,
        holder_refs=chained.holder_refs,
    )
    if recomputed != entry.entry_hash:
        return AuditDamage(
            entry.seq, "edited", f"row {entry.seq} edited: its content does not match its hash"
        )
    if entry.prev_hash != walk.last_hash:
        if walk.rows == 0:
            return AuditDamage(1, "edited", "row 1 edited: it does not start from the genesis")
        return AuditDamage(
            walk.rows,
            "edited",
            f"row {walk.rows} edited and its hash recomputed: "
            f"row {entry.seq} no longer links to it",
        )
    if entry.seq > signed_count:
        return AuditDamage(
            entry.seq,
            "inserted",
            f"row {entry.seq} inserted: the signed head counts {signed_count} rows",
        )
    if checkpoint is not None:
        damage = _check_checkpoint(checkpoint, entry.entry_hash, keys)
        if damage is not None:
            return damage
        walk.checkpoints += 1
    if walk.saved is not None and entry.seq in walk.saved:
        damage = _check_saved(entry.seq, walk.saved[entry.seq], entry.entry_hash, checkpoint)
        if damage is not None:
            return damage
        walk.saved_matched += 1
    walk.rows = entry.seq
    walk.last_hash = entry.entry_hash
    return None


def _check_checkpoint(
    checkpoint: Checkpoint, row_hash: str, keys: chain.PlatformKeys
) -> AuditDamage | None:
    count = checkpoint.count
    try:
        stated = chain.read_checkpoint(checkpoint.jws, keys)
    except SignatureInvalid:
        return AuditDamage(None, "checkpoint_invalid", f"checkpoint {count} does not verify")
    if stated != chain.statement(count, checkpoint.head_hash, checkpoint.at):
        return AuditDamage(None, "checkpoint_invalid", f"checkpoint {count}'s columns were edited")
    if stated["hash"] != row_hash:
        return AuditDamage(
            count,
            "edited",
            f"row {count} does not match signed checkpoint {count}: it, or a row before it, "
            "was rewritten with every hash after it recomputed",
        )
    return None


def _check_saved(
    count: int, saved_hash: str, row_hash: str, checkpoint: Checkpoint | None
) -> AuditDamage | None:
    if saved_hash != row_hash:
        return AuditDamage(
            count,
            "edited",
            f"row {count} does not match saved checkpoint {count}: it, or a row before it, "
            "was rewritten",
        )
    if checkpoint is None:
        return AuditDamage(
            None,
            "checkpoint_deleted",
            f"checkpoint {count} deleted: the saved copy has it, the database does not",
        )
    return None


def _check_tail(store: ChainReader, walk: _Walk, head: SignedHead | None) -> AuditDamage | None:
    rows = walk.rows
    beyond_saved = sorted(count for count in walk.saved or {} if count > rows)
    if beyond_saved:
        return AuditDamage(
            rows + 1,
            "deleted",
            f"rows from {rows + 1} deleted: saved checkpoint {beyond_saved[-1]} counts "
            f"{beyond_saved[-1]} rows, {rows} remain",
        )
    beyond = store.checkpoints_between(rows + 1, _NO_END)
    if beyond:
        return AuditDamage(
            rows + 1,
            "deleted",
            f"row {rows + 1} deleted: checkpoint {beyond[0].count} counts more rows than remain",
        )
    if head is None:
        return None
    if head.count > rows:
        return AuditDamage(
            rows + 1,
            "deleted",
            f"row {rows + 1} deleted: the signed head counts {head.count} rows, {rows} remain",
        )
    if head.head_hash != walk.last_hash:
        return AuditDamage(
            rows,
            "edited",
            f"row {rows} edited and its hash recomputed: the signed head names another hash",
        )
    return None
