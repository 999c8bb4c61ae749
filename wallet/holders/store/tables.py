"""The holders' tables: holder keys and the holder-bound copy each holder presents."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer, LargeBinary, String, Table, Text

# holder_credentials points at the issuers' certificates table (a key pointing down).
import issuers.store.tables  # noqa: F401
from issuers.store.metadata import UTCDateTime, metadata

# Holder keys (RFC 8747 cnf): one active key per 公民身份号码. A custodial key's private
# half is sealed under the master key; a device key has only its public half here.
# ``active_for`` holds the holder code while the key is active and NULL once retired,
# so its UNIQUE constraint allows exactly one active key per holder on every backend.
holder_keys = Table(
    "holder_keys",
    metadata,
    Column("kid", String(43), primary_key=True),  # RFC 7638 thumbprint
    Column("holder_code", String(18), nullable=False, index=True),
    Column("active_for", String(18), nullable=True, unique=True),
    Column("custody", String(10), nullable=False),  # "custodial" | "device"
    Column("alg", String(10), nullable=False),
    Column("public_jwk", JSON, nullable=False),
    Column("sealed_private_key", LargeBinary, nullable=True),  # custodial only; wiped at retire
    Column("created_at", UTCDateTime, nullable=False),
    Column("retired_at", UTCDateTime, nullable=True),
)


# The credential each holder presents: the certificate's claims with ``cnf`` naming
# that holder's key (both spouses, every household member get their own copy). Made
# at mint for the primary holder and on first use for the others or after a key change.
holder_credentials = Table(
    "holder_credentials",
    metadata,
    Column("certificate_id", Integer, ForeignKey("certificates.id"), primary_key=True),
    Column("holder_code", String(18), primary_key=True),
    Column("holder_kid", String(43), ForeignKey("holder_keys.kid"), nullable=False),
    Column("qr", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
