"""The department handlers' :class:`~wallet.bundles.handlers.base.Minter`, on the
issuer store.

Every mint and re-issue names its key (:meth:`ItemContext.mint_key`): the issuance
service stores it with the certificate, unique, so a step retried after a crash gets
the certificate its first attempt committed (:mod:`issuers.store.reissue`).
:meth:`IssuanceMinter.current` reads the holder's valid certificate of a type from the
same store, the one a re-issue starts from.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from issuers.clock import CHINA_STANDARD_TIME
from issuers.status_codes import CertificateStatus
from issuers.store import repository as repo
from issuers.store.issuance import IssuanceService
from issuers.store.issued import MintedCertificate
from wallet.bundles.handlers.base import Minted

__all__ = ["IssuanceMinter"]


def _minted(certificate: MintedCertificate) -> Minted:
    record = certificate.record
    return Minted(
        identifier=record.identifier,
        type=record.type.slug,
        issuer_uscc=record.issuer.uscc,
        holder_codes=record.holder_codes,
        version=record.version,
    )


class IssuanceMinter:
    """Mints through :class:`IssuanceService` (each output once per key)."""

    def __init__(self, issuance: IssuanceService) -> None:
        self._issuance = issuance

    def mint(
        self,
        key: str,
        type_slug: str,
        issuer_uscc: str,
        fields: Mapping[str, Any],
        *,
        valid_from: date | None = None,
    ) -> Minted:
        return _minted(
            self._issuance.mint(type_slug, issuer_uscc, fields, valid_from=valid_from, mint_key=key)
        )

    def reissue(self, key: str, identifier: str, fields: Mapping[str, Any]) -> Minted:
        return _minted(self._issuance.reissue(identifier, fields, mint_key=key))

    def current(self, type_slug: str, holder: str) -> tuple[str, Mapping[str, Any]] | None:
        """The holder's newest certificate of ``type_slug`` that is 01 有效 and not past
        its last day (China Standard Time), with its fields; None if there is none."""
        today = self._issuance.clock().astimezone(CHINA_STANDARD_TIME).date()
        with self._issuance.engine.connect() as conn:
            rows = repo.certificates_for_holder(conn, holder)
        valid = [
            row
            for row in rows
            if row.type_slug == type_slug
            and row.status == CertificateStatus.VALID.value
            and (row.valid_until is None or row.valid_until >= today)
        ]
        if not valid:
            return None
        newest = max(valid, key=lambda row: (int(row.version), int(row.id)))
        return str(newest.identifier), dict(newest.fields)
