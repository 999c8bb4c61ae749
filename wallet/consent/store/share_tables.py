"""The shares table: each party's prepared share of each approved certificate.

One row per (request, holder, type): the SD-JWT VC the issuer signed for the holder's
key, only the granted claims' Disclosures, and the holder's Key Binding JWT, sealed
together (AES-256-GCM under the master key, bound to the row's key) so a copy of the
database does not hand out what citizens shared. ``state`` is ``awaiting_device``
between a device holder's prepare and their signed approval, ``ready`` once bound.
Nothing outside :mod:`wallet.consent.store` writes it.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, LargeBinary, String, Table

from issuers.store.metadata import UTCDateTime, metadata
from wallet.consent.store import tables as _consent_tables  # the table the key refers to

__all__ = ["consent_shares"]

_REFERS_TO = _consent_tables.consent_requests

consent_shares = Table(
    "consent_shares",
    metadata,
    Column("request_id", String(43), ForeignKey("consent_requests.id"), primary_key=True),
    Column("holder_code", String(18), primary_key=True),
    Column("type_slug", String(40), primary_key=True),
    Column("identifier", String(100), nullable=False),  # the certificate shared
    Column("holder_kid", String(64), nullable=False),  # the cnf key the KB-JWT is signed by
    Column("claims", JSON, nullable=False),  # the disclosed claim names, in the asked order
    Column("state", String(16), nullable=False),  # awaiting_device | ready
    Column("sealed", LargeBinary, nullable=False),
    Column("prepared_at", UTCDateTime, nullable=False),
)
