"""The service clients' tables: registrations, access tokens, used assertion ids."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, Text

from issuers.store.metadata import UTCDateTime, metadata

# One row a client. ``secret_hash`` is an argon2id PHC string (client_secret_basic) and
# ``public_jwk`` a JSON public key (private_key_jwt); the other is NULL. Item codes are
# space-separated (codes are [a-z0-9_]).
service_clients = Table(
    "service_clients",
    metadata,
    Column("client_id", String(40), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("bundle_items", Text, nullable=False),
    Column("auth_method", String(24), nullable=False),
    Column("secret_hash", String(255), nullable=True),
    Column("public_jwk", Text, nullable=True),
    Column("disabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Access tokens: only the SHA-256 of the token (256 random bits, so unsalted is enough);
# a database leak yields no usable token. Expired rows are pruned in bounded batches.
client_access_tokens = Table(
    "client_access_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column(
        "client_id", String(40), ForeignKey("service_clients.client_id"), nullable=False, index=True
    ),
    Column("scopes", String(100), nullable=False),  # space-separated
    Column("issued_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)

# RFC 7523 §3 item 7: a client assertion's ``jti`` is used once. Kept until the
# assertion's own ``exp`` (it is refused after that anyway), then pruned.
client_assertion_jtis = Table(
    "client_assertion_jtis",
    metadata,
    Column("client_id", String(40), primary_key=True),
    Column("jti", String(200), primary_key=True),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)
