"""SD-JWT VC issuance from the certificates table: the second representation of the
canonical record (DESIGN.md "Formats"; issue 10 item 4).

The issuer signs the same record the QR credential carries, rebuilt from the stored
row (fields JSON through the type's schema, dates, identifier), so any certificate is
shareable this way, including a household register too large for a QR code. Each
SD-JWT VC binds one holder key (``cnf``) and carries that holder's copy's Token
Status List entry (``status``): the same entry as the holder's QR copy bound to that
key, reserved here if the copy does not have one yet, starting at the certificate's
status read under its row lock (as :meth:`IssuanceService.bound_copy` does). A later
suspension or revocation reaches both representations through that one entry.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, select

from issuers.catalogue import get_type
from issuers.crypto.keys import VerifyingKey
from issuers.errors import NotFound
from issuers.formats import sd_jwt
from issuers.formats.cwt import StatusReference
from issuers.minting import CertificateRecord
from issuers.status_codes import CertificateStatus
from issuers.store import repository as repo
from issuers.store import status_store
from issuers.store.issuance import IssuanceService, status_list_uri
from issuers.store.tables import certificates

__all__ = ["SdJwtIssuer"]

# A pull runs this every time: built once (building costs more than running it).
_STATUSES = select(certificates.c.identifier, certificates.c.status).where(
    certificates.c.identifier.in_(bindparam("identifiers", expanding=True))
)


class SdJwtIssuer:
    """Signs SD-JWT VCs of stored certificates with the issuer's active key."""

    def __init__(self, issuance: IssuanceService) -> None:
        self._issuance = issuance

    @property
    def public_base_url(self) -> str:
        return self._issuance.public_base_url

    def issue(
        self, conn: Connection, identifier: str, holder_key: VerifyingKey
    ) -> sd_jwt.IssuedSdJwt:
        """The SD-JWT VC of certificate ``identifier`` bound to ``holder_key``, every
        field disclosable; run it in the caller's write transaction (it may reserve the
        copy's status entry). :class:`NotFound` for an unknown identifier,
        :class:`KeyUnavailable` when the issuer has no active key."""
        status = status_store.locked_status(conn, identifier)  # NotFound; row lock
        record = self.record(conn, identifier)
        uscc = record.issuer.uscc
        now = self._issuance.clock()
        list_number, idx = status_store.reserve_index(
            conn, uscc, identifier, now, holder_kid=holder_key.kid, value=status.list_value
        )
        reference = StatusReference(idx, status_list_uri(self.public_base_url, uscc, list_number))
        visible, disclosable = sd_jwt.vc_claims(
            record, public_base_url=self.public_base_url, holder_key=holder_key, status=reference
        )
        key = self._issuance.signing_key(conn, uscc)
        return sd_jwt.issue(visible, disclosable, key, kid=key.public.kid)

    def record(self, conn: Connection, identifier: str) -> CertificateRecord:
        """The canonical record as minted, rebuilt from its row (no status, no cnf)."""
        row = repo.get_certificate(conn, identifier)
        if row is None:
            raise NotFound(f"no certificate {identifier}", field="identifier")
        issuer = repo.get_issuer(conn, row.issuer_uscc)
        if issuer is None:  # a foreign key makes this impossible; say so if not
            raise NotFound(f"no issuer {row.issuer_uscc}", field="issuer")
        certificate_type = get_type(row.type_slug)
        fields = certificate_type.parse_fields(row.fields)
        return CertificateRecord(
            identifier=row.identifier,
            type=certificate_type,
            issuer=issuer,
            holder_codes=certificate_type.holder_codes(fields),
            fields=fields,
            issued_at=row.issued_at,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            serial=int(row.serial),
            version=int(row.version),
        )

    def status_of(self, conn: Connection, identifier: str) -> CertificateStatus:
        """The certificate's status now (:class:`NotFound` if there is none)."""
        row = repo.get_certificate(conn, identifier)
        if row is None:
            raise NotFound(f"no certificate {identifier}", field="identifier")
        return CertificateStatus(row.status)

    def statuses_of(
        self, conn: Connection, identifiers: Sequence[str]
    ) -> dict[str, CertificateStatus]:
        """Each certificate's status now, in one query (:class:`NotFound` if one is
        missing): a pull checks every share's certificate at once."""
        found = {
            row.identifier: CertificateStatus(row.status)
            for row in conn.execute(_STATUSES, {"identifiers": sorted(set(identifiers))})
        }
        for identifier in identifiers:
            if identifier not in found:
                raise NotFound(f"no certificate {identifier}", field="identifier")
        return found

    def issuer_jwks(self, conn: Connection, issuer_uscc: str) -> list[dict[str, str]]:
        """The issuer's public JWKs (active, retired and compromised alike: a verifier
        decides by the trust list), for the JWT VC Issuer Metadata."""
        return [dict(row.public_jwk) for row in repo.public_key_rows(conn, issuer_uscc)]
