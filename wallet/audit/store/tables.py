"""The audit log's tables: the chained entries, who may read each, the signed head and
the published checkpoints.

No 公民身份号码 is stored here: ``audit_entry_holders`` keeps an HMAC-SHA256 of it under a
key derived from the master key, enough to find a citizen's entries and nothing more.
``seq`` is set by the appender (head count + 1) under the head row's lock, never by an
autoincrement, so the chain has no gaps a rolled-back transaction would leave.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Integer, String, Table, Text

from issuers.store.metadata import UTCDateTime, metadata

HASH_LENGTH = 64  # SHA-256, hex

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("summary", JSON, nullable=False),
    Column("grant_id", String(64), nullable=True, index=True),
    Column("prev_hash", String(HASH_LENGTH), nullable=False),
    Column("entry_hash", String(HASH_LENGTH), nullable=False),
)

audit_entry_holders = Table(
    "audit_entry_holders",
    metadata,
    Column("seq", BigInteger, ForeignKey("audit_entries.seq"), primary_key=True),
    Column("holder_ref", String(HASH_LENGTH), primary_key=True, index=True),
)

# One row (id = 1): the chain's length and last hash, signed by the platform key over
# the canonical JSON {count, hash, at}. Appenders lock it, which serialises them.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("count", BigInteger, nullable=False),
    Column("head_hash", String(HASH_LENGTH), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kid", String(43), nullable=False),
    Column("signature", String(128), nullable=False),
)

# Published checkpoints: the head as it was, as a compact JWS anyone can check.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("count", BigInteger, primary_key=True, autoincrement=False),
    Column("head_hash", String(HASH_LENGTH), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kid", String(43), nullable=False),
    Column("signature", String(128), nullable=False),
    Column("jws", Text, nullable=False),
)
