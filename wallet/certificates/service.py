"""The citizen's certificates: the list in their wallet and one certificate in full.

Built once here for both faces, the JSON API (:mod:`wallet.certificates.api`) and the
web pages (:mod:`wallet.web`). A certificate that does not name the citizen as a
holder is :class:`~issuers.errors.NotFound`, exactly like one that does not exist: an
answer that differed (a 403) would confirm that the identifier is real.

Framework-free: the store arrives by injection (:class:`CertificateRecords`).
"""

from __future__ import annotations

from typing import Final, Protocol

from issuers.errors import NotFound
from wallet.certificates.records import HeldCertificate

__all__ = ["MAX_IDENTIFIER_LENGTH", "CertificateRecords", "CertificateService", "HeldCertificate"]

MAX_IDENTIFIER_LENGTH: Final = 100  # the registry's identifier column; longer is no identifier


class CertificateRecords(Protocol):
    """Where certificates are read (:class:`wallet.certificates.store.CertificateStore`)."""

    def held_by(self, holder_code: str) -> list[HeldCertificate]: ...

    def held(self, holder_code: str, identifier: str) -> HeldCertificate | None: ...


class CertificateService:
    def __init__(self, store: CertificateRecords) -> None:
        self._store = store

    def held_by(self, holder_code: str) -> list[HeldCertificate]:
        """Every certificate naming the citizen as a holder (both spouses, every member)."""
        return self._store.held_by(holder_code)

    def held(self, holder_code: str, identifier: str) -> HeldCertificate:
        """Certificate ``identifier`` from the citizen's wallet; :class:`NotFound` when it
        does not exist or does not name them, alike."""
        # NUL is in no identifier, and PostgreSQL refuses it as a parameter (an error,
        # not "no row"): the web page's identifier comes unchecked from its URL.
        storable = len(identifier) <= MAX_IDENTIFIER_LENGTH and "\x00" not in identifier
        found = self._store.held(holder_code, identifier) if storable else None
        if found is None:
            raise NotFound("no such certificate in this wallet", field="identifier")
        return found
