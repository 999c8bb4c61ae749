"""What a mint returns, and the certificate a mint key already made, read back.

A mint may name a key (``mint_key``, unique in ``certificates``): a bundle's
department handler names one per application, item and output, so a step retried
after a crash gets the certificate the first attempt committed instead of a second
one. :func:`minted_by_key` rebuilds that first :class:`MintedCertificate` from its
stored row: the fields, dates and serial as stored, the status entry it was given,
the holder binding (``cnf``) its QR carries, and the same QR text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Row, select

from issuers.catalogue import get_type
from issuers.crypto.keys import VerifyingKey
from issuers.errors import Conflict
from issuers.formats import cose_sign1, qr_envelope
from issuers.formats.cwt import CredentialClaims, StatusReference
from issuers.minting import NO_QR, QR_TOO_LARGE, CertificateRecord
from issuers.store import repository as repo
from issuers.store.tables import certificate_holders, certificates, status_entries, status_lists

__all__ = ["HolderKeyBinder", "MintedCertificate", "minted_by_key", "status_list_uri"]


class HolderKeyBinder(Protocol):
    """Who holds a certificate's key: the wallet's keyring, injected (issuers/ cannot
    import wallet/). ``None`` for a holder that gets no key (an organisation's USCC)."""

    def binding_key(self, conn: Connection, holder_code: str, now: datetime) -> VerifyingKey | None:
        """The holder's active key, made (custodial) on first need."""
        ...

    def keep_copy(
        self,
        conn: Connection,
        certificate_id: int,
        holder_code: str,
        holder_kid: str,
        qr: str,
        now: datetime,
    ) -> None:
        """Keep the holder's copy of a certificate, bound to their key ``holder_kid``."""
        ...


@dataclass(frozen=True, slots=True)
class MintedCertificate:
    record: CertificateRecord
    qr: str  # NO_QR when the record does not fit a QR code
    kid: str

    @property
    def identifier(self) -> str:
        return self.record.identifier

    @property
    def qr_unavailable(self) -> str | None:
        return QR_TOO_LARGE if self.qr == NO_QR else None


def status_list_uri(base_url: str, issuer_uscc: str, list_number: int) -> str:
    """Where the issuer's status list is published (``GET /status/{uscc}/{n}``)."""
    return f"{base_url}/status/{issuer_uscc}/{list_number}"


def minted_by_key(
    conn: Connection,
    mint_key: str,
    base_url: str,
    *,
    type_slug: str,
    issuer_uscc: str | None = None,
) -> MintedCertificate | None:
    """The certificate minted with ``mint_key``, if any.

    A key names one output: found with another type (or issuer) it was used for
    something else, a caller's bug, refused with :class:`Conflict` rather than
    answered with the wrong certificate.
    """
    row = conn.execute(select(certificates).where(certificates.c.mint_key == mint_key)).first()
    if row is None:
        return None
    if row.type_slug != type_slug or (issuer_uscc is not None and row.issuer_uscc != issuer_uscc):
        raise Conflict(
            f"mint key {mint_key!r} already made a {row.type_slug} of {row.issuer_uscc}",
            field="mint_key",
        )
    return _rebuild(conn, row, base_url)


def _rebuild(conn: Connection, row: Row[Any], base_url: str) -> MintedCertificate:
    certificate_type = get_type(row.type_slug)
    issuer = repo.get_issuer(conn, row.issuer_uscc)
    assert issuer is not None  # a foreign key
    holders = conn.execute(
        select(certificate_holders.c.holder_code)
        .where(certificate_holders.c.certificate_id == row.id)
        .order_by(certificate_holders.c.position)
    ).scalars()
    entry = conn.execute(
        select(status_lists.c.list_number, status_entries.c.idx)
        .join(status_lists, status_lists.c.id == status_entries.c.list_id)
        .where(status_entries.c.identifier == row.identifier, status_entries.c.holder_kid == "")
    ).first()
    status = (
        None
        if entry is None
        else StatusReference(
            int(entry.idx), status_list_uri(base_url, row.issuer_uscc, int(entry.list_number))
        )
    )
    confirmation = None
    if row.qr != NO_QR:
        payload = cose_sign1.decode(qr_envelope.unwrap(row.qr)).payload
        confirmation = CredentialClaims.from_cbor(payload).confirmation
    record = CertificateRecord(
        identifier=row.identifier,
        type=certificate_type,
        issuer=issuer,
        holder_codes=tuple(holders),
        fields=certificate_type.parse_fields(row.fields),
        issued_at=row.issued_at,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        serial=int(row.serial),
        version=int(row.version),
        status=status,
        confirmation=confirmation,
    )
    return MintedCertificate(record, row.qr, row.kid)
