"""A certificate as its holder's wallet shows it: one typed record for the list and the
detail, the JSON API and the web pages alike. Free of any framework.

The citizen sees their own certificates in full (nothing masked): masking is for the
inspector's screen, where a stranger reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from issuers.catalogue import get_type
from issuers.registry import IssuerInfo
from issuers.status_codes import CertificateStatus

__all__ = ["HeldCertificate"]


@dataclass(frozen=True, slots=True)
class HeldCertificate:
    """A certificate that names the citizen among its holders (both spouses, every
    household member), with its issuer (``None`` if the registry no longer lists it)."""

    identifier: str
    type_slug: str
    issuer_uscc: str
    issuer: IssuerInfo | None
    status: CertificateStatus
    status_reason: str | None
    valid_from: date
    valid_until: date | None
    issued_at: datetime
    holder_codes: tuple[str, ...]  # in the certificate's order: the primary holder first
    fields: Mapping[str, Any]

    @property
    def name_zh(self) -> str:
        return get_type(self.type_slug).name_zh

    @property
    def name_en(self) -> str:
        return get_type(self.type_slug).name_en

    @property
    def status_name(self) -> str:
        """The status in English, lower case (``valid``, ``suspended``, ...)."""
        return self.status.name.lower()
