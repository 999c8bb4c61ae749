"""What a successful verification tells the inspector."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from issuers.catalogue import CertificateFields, CertificateType
from issuers.registry import IssuerInfo


@dataclass(frozen=True, slots=True)
class VerifiedCredential:
    identifier: str
    certificate_type: CertificateType
    issuer: IssuerInfo
    holder_codes: tuple[str, ...]
    # The validated fields; :attr:`fields` is their JSON-ready view, built when read
    # (a verification whose caller only wants the verdict never pays for it).
    model: CertificateFields
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime | None
    kid: str
    alg: str
    warnings: tuple[str, ...] = field(default=())
    status_checked: bool = False
    # The signed RFC 8747 cnf value, when the issuer bound a holder key.
    confirmation: dict[int, Any] | None = None
    _public: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def type_slug(self) -> str:
        return self.certificate_type.slug

    @property
    def type_name_zh(self) -> str:
        return self.certificate_type.name_zh

    @property
    def type_name_en(self) -> str:
        return self.certificate_type.name_en

    @property
    def fields(self) -> dict[str, Any]:
        """JSON-ready fields by name, None fields left out (built once, on first read)."""
        public = self._public
        if public is None:
            public = self.certificate_type.public_fields(self.model)
            object.__setattr__(self, "_public", public)
        return public
