"""What the shares feature keeps and hands out: typed, frozen, free of any framework."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

__all__ = ["PullResult", "PulledShare", "ShareState", "StoredShare", "WantedCertificate"]

ShareState = Literal["awaiting_device", "ready"]
"""``awaiting_device``: issued, waiting for the device's key-binding signature."""


@dataclass(frozen=True, slots=True)
class StoredShare:
    """One prepared share as the store keeps it; ``sealed`` is opened by the service."""

    request_id: str
    holder_code: str
    type_slug: str
    identifier: str
    holder_kid: str
    claims: tuple[str, ...]
    state: ShareState
    sealed: bytes
    prepared_at: datetime


@dataclass(frozen=True, slots=True)
class WantedCertificate:
    """One certificate a pull names; ``claims`` None means every granted claim."""

    holder: str
    type_slug: str
    claims: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class PulledShare:
    """One annotated share (加注件) as the service receives it."""

    holder: str
    type_slug: str
    identifier: str
    sd_jwt: str  # issuer JWT ~ disclosures ~ KB-JWT
    annotation: str  # the platform's compact JWS
    card_svg: str
    audit_receipt: str
    disclosed: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class PullResult:
    grant_id: str
    pulled_at: datetime
    use: int
    uses_left: int
    shares: tuple[PulledShare, ...]
