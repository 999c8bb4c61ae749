"""The consent tables: authorisation requests, their parties and what each is asked,
and delegations. Nothing outside :mod:`wallet.consent.store` writes them.

A request's ``state`` holds what was decided (pending, approved, denied, revoked, or
withdrawn by its service, when ``revoked_at`` says when it stopped);
expired and exhausted are read from ``expires_at`` and ``uses_taken`` at the instant
asked (:meth:`wallet.consent.records.ConsentRequest.state_at`). ``uses_taken`` only
grows, by one guarded UPDATE per use, so parallel pulls cannot pass ``max_uses``.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table

from issuers.store.metadata import UTCDateTime, metadata

consent_requests = Table(
    "consent_requests",
    metadata,
    Column("id", String(43), primary_key=True),  # random, url-safe, 192 bits
    Column("client_id", String(64), nullable=False, index=True),
    Column("client_name", String(200), nullable=False),  # as the service was named then
    Column("bundle_item", String(64), nullable=False),
    Column("purpose", String(200), nullable=False),  # 申请事由
    Column("nonce", String(64), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("max_uses", Integer, nullable=False),
    Column("uses_taken", Integer, nullable=False),
    Column("state", String(10), nullable=False),  # pending|approved|denied|revoked|withdrawn
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("revoked_by", String(18), nullable=True),
)

consent_parties = Table(
    "consent_parties",
    metadata,
    Column("request_id", String(43), ForeignKey("consent_requests.id"), primary_key=True),
    Column("holder_code", String(18), primary_key=True, index=True),
    Column("position", Integer, nullable=False),
    Column("decision", String(10), nullable=False),  # pending | approved | denied | revoked
    Column("decided_at", UTCDateTime, nullable=True),
    Column("decided_via", String(10), nullable=True),  # self | guardian | delegate
    Column("decided_by", String(18), nullable=True),
)

consent_asks = Table(
    "consent_asks",
    metadata,
    Column("request_id", String(43), ForeignKey("consent_requests.id"), primary_key=True),
    Column("holder_code", String(18), primary_key=True),
    Column("type_slug", String(40), primary_key=True),
    Column("claims", JSON, nullable=False),  # list of claim names, in the asked order
)

delegations = Table(
    "delegations",
    metadata,
    Column("id", String(43), primary_key=True),
    Column("owner_code", String(18), nullable=False, index=True),
    Column("delegate_code", String(18), nullable=False, index=True),
    Column("type_slug", String(40), nullable=False),
    Column("bundle_item", String(64), nullable=True),  # None: any item
    Column("expires_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)
