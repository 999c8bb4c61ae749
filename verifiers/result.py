"""What a successful verification tells the inspector."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from issuers.registry import IssuerInfo


@dataclass(frozen=True, slots=True)
class VerifiedCredential:
    identifier: str
    type_slug: str
    type_name_zh: str
    type_name_en: str
    issuer: IssuerInfo
    holder_codes: tuple[str, ...]
    fields: dict[str, Any]
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime | None
    kid: str
    alg: str
    warnings: tuple[str, ...] = field(default=())
    status_checked: bool = False
    # The signed RFC 8747 cnf value, when the issuer bound a holder key.
    confirmation: dict[int, Any] | None = None
