"""The certificates' store for the wallet: what a citizen holds, read from the
issuers' registry (this feature writes no table) and handed back as
:class:`~wallet.certificates.records.HeldCertificate` records, never as rows.

"Does not exist" and "names someone else" are one query and one answer (``None``), so
no caller can tell them apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Row, select

from issuers.registry import IssuerInfo
from issuers.status_codes import CertificateStatus
from issuers.store import repository as repo
from issuers.store.tables import certificate_holders, certificates
from wallet.certificates.records import HeldCertificate

__all__ = ["CertificateStore"]


class CertificateStore:
    """The certificates naming a holder: the service's
    :class:`~wallet.certificates.service.CertificateRecords`, over a database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def held_by(self, holder_code: str) -> list[HeldCertificate]:
        """Every certificate naming ``holder_code``, oldest first."""
        with self._engine.connect() as conn:
            rows = repo.certificates_for_holder(conn, holder_code)
            codes = _holder_codes(conn, [row.id for row in rows])
            issuers = _issuers(conn, {row.issuer_uscc for row in rows})
        return [_record(row, issuers[row.issuer_uscc], codes.get(row.id, ())) for row in rows]

    def held(self, holder_code: str, identifier: str) -> HeldCertificate | None:
        """Certificate ``identifier`` if it names ``holder_code``, else ``None``."""
        with self._engine.connect() as conn:
            row = _holder_certificate(conn, identifier, holder_code)
            if row is None:
                return None
            codes = _holder_codes(conn, [row.id])
            issuer = repo.get_issuer(conn, row.issuer_uscc)
        return _record(row, issuer, codes.get(row.id, ()))


def _holder_certificate(conn: Connection, identifier: str, holder_code: str) -> Row[Any] | None:
    """The certificate ``identifier`` if ``holder_code`` is one of its holders, else None.

    One query for both conditions: "does not exist" and "is someone else's" look the
    same to the caller, and take the same path.
    """
    return conn.execute(
        select(certificates)
        .join(certificate_holders, certificate_holders.c.certificate_id == certificates.c.id)
        .where(
            certificates.c.identifier == identifier,
            certificate_holders.c.holder_code == holder_code,
        )
    ).first()


def _holder_codes(conn: Connection, certificate_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Each certificate's holders, in the certificate's order."""
    if not certificate_ids:
        return {}
    found: dict[int, list[str]] = {}
    query = (
        select(certificate_holders.c.certificate_id, certificate_holders.c.holder_code)
        .where(certificate_holders.c.certificate_id.in_(certificate_ids))
        .order_by(certificate_holders.c.certificate_id, certificate_holders.c.position)
    )
    for certificate_id, code in conn.execute(query):
        found.setdefault(int(certificate_id), []).append(code)
    return {key: tuple(codes) for key, codes in found.items()}


def _issuers(conn: Connection, usccs: Iterable[str]) -> dict[str, IssuerInfo | None]:
    return {uscc: repo.get_issuer(conn, uscc) for uscc in usccs}


def _record(
    row: Row[Any], issuer: IssuerInfo | None, holder_codes: tuple[str, ...]
) -> HeldCertificate:
    return HeldCertificate(
        identifier=row.identifier,
        type_slug=row.type_slug,
        issuer_uscc=row.issuer_uscc,
        issuer=issuer,
        status=CertificateStatus(row.status),
        status_reason=row.status_reason,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        issued_at=row.issued_at,
        holder_codes=holder_codes,
        fields=row.fields,
    )
