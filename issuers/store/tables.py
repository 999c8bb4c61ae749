"""The issuers' tables (SQLAlchemy Core; SQLite by default, PostgreSQL at scale): issuers
and their keys, certificates and their holders, serial counters, status lists and
entries, trust anchors, and the verifier's single-use presentation guard."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from issuers.store.metadata import UTCDateTime, metadata

issuers = Table(
    "issuers",
    metadata,
    Column("uscc", String(18), primary_key=True),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("region_code", String(6), nullable=False),
    Column("allowed_types", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

issuer_keys = Table(
    "issuer_keys",
    metadata,
    Column("kid", String(43), primary_key=True),
    Column("issuer_uscc", String(18), ForeignKey("issuers.uscc"), nullable=False, index=True),
    Column("alg", String(10), nullable=False),
    Column("public_jwk", JSON, nullable=False),
    Column("sealed_private_key", LargeBinary, nullable=True),
    Column("state", String(12), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("not_after", UTCDateTime, nullable=True),
    Column("compromised_at", UTCDateTime, nullable=True),
)

certificates = Table(
    "certificates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("identifier", String(100), nullable=False, unique=True),
    Column("type_slug", String(40), nullable=False),
    Column("issuer_uscc", String(18), ForeignKey("issuers.uscc"), nullable=False),
    Column("serial", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    Column("primary_holder", String(18), nullable=False, index=True),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=True),
    Column("status", String(2), nullable=False),
    Column("status_reason", Text, nullable=True),
    Column("fields", JSON, nullable=False),
    Column("kid", String(43), ForeignKey("issuer_keys.kid"), nullable=False),
    Column("qr", Text, nullable=False),
    # The idempotency key of the mint that made this row (a bundle item's output): a
    # second mint with the key returns this certificate.
    Column("mint_key", String(120), nullable=True),
)
# A re-issued certificate keeps its serial and takes the next version (GB/T 36904).
Index(
    "ix_certificates_issuer_type_serial_version",
    certificates.c.issuer_uscc,
    certificates.c.type_slug,
    certificates.c.serial,
    certificates.c.version,
    unique=True,
)
Index("ix_certificates_mint_key", certificates.c.mint_key, unique=True)

certificate_holders = Table(
    "certificate_holders",
    metadata,
    Column("certificate_id", Integer, ForeignKey("certificates.id"), primary_key=True),
    Column("holder_code", String(18), primary_key=True, index=True),
    Column("position", Integer, nullable=False),
)

serial_counters = Table(
    "serial_counters",
    metadata,
    Column("issuer_uscc", String(18), ForeignKey("issuers.uscc"), primary_key=True),
    Column("type_slug", String(40), primary_key=True),
    Column("next_serial", BigInteger, nullable=False),
)

# IETF Token Status List: each issuer's credentials get random indices in its lists
# (the draft's privacy section: sequential indices would let verifiers link holders).
status_lists = Table(
    "status_lists",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("issuer_uscc", String(18), ForeignKey("issuers.uscc"), nullable=False),
    Column("list_number", Integer, nullable=False),
    Column("size", Integer, nullable=False),
    Column("bits", Integer, nullable=False),
    Column("used", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index(
    "ix_status_lists_issuer_number",
    status_lists.c.issuer_uscc,
    status_lists.c.list_number,
    unique=True,
)

# One entry for the certificate itself (``holder_kid`` empty) and one for each copy
# bound to a holder's key (``holder_kid`` that key), so that retiring a lost device's
# key invalidates what it kept without touching the certificate or the other holders'
# copies. A status change reaches every entry of the certificate that is not retired;
# a retired entry (``retired_at`` set) stays INVALID for good.
status_entries = Table(
    "status_entries",
    metadata,
    Column("list_id", Integer, ForeignKey("status_lists.id"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("identifier", String(100), nullable=False),
    Column("holder_kid", String(43), nullable=False),
    Column("value", Integer, nullable=False),
    Column("retired_at", UTCDateTime, nullable=True),
)
Index(
    "ix_status_entries_identifier_holder",
    status_entries.c.identifier,
    status_entries.c.holder_kid,
    unique=True,
)
Index("ix_status_entries_holder_kid", status_entries.c.holder_kid)

status_events = Table(
    "status_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("identifier", String(100), nullable=False, index=True),
    Column("from_status", String(2), nullable=False),
    Column("to_status", String(2), nullable=False),
    Column("reason", Text, nullable=True),
    Column("actor", String(100), nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

# A region's trust anchor (one per province served here): it signs the trust list.
trust_anchors = Table(
    "trust_anchors",
    metadata,
    Column("region_code", String(6), primary_key=True),
    Column("kid", String(43), nullable=False, unique=True),
    Column("alg", String(10), nullable=False),
    Column("public_jwk", JSON, nullable=False),
    Column("sealed_private_key", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Single-use presentations (ELICENSE_SINGLE_USE_PRESENTATIONS): the SHA-256 of each
# live presentation scanned, shared by every worker process. The primary key makes the
# first INSERT win, so exactly one scan of a code is valid on SQLite and PostgreSQL;
# rows past ``expires_at`` (the presentation window plus skew) are pruned in batches.
presentation_replays = Table(
    "presentation_replays",
    metadata,
    Column("digest", String(64), primary_key=True),  # hex SHA-256 of the signed payload
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)
