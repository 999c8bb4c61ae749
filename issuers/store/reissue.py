"""Mint keys (a mint at most once) and re-issue (version + 1, the old one 05 失效).

**Once per key.** A bundle's department handler mints with a key unique to the
application, the item and the output; a step retried after a crash names it again
and gets the certificate the first attempt committed (:func:`once`). The key is
looked up inside the write transaction, so on SQLite (one writer at a time, ``BEGIN
IMMEDIATE``) a second attempt waits for the first and finds its row. On PostgreSQL two
attempts may both miss it under READ COMMITTED; the unique index on
``certificates.mint_key`` lets one insert win and the other fail with an
``IntegrityError``, after which it reads the winner's row and returns that.

**Re-issue.** GB/T 36904 keeps a certificate's serial across versions: the household
register with a newborn added is the same register, version + 1. :func:`reissue`
mints the new version and sets the old one to 05 失效 (reason and actor kept) in one
transaction, so the wallet never shows two valid registers, nor none. Locks are taken
in the order every other writer takes them: the holder's key, then the old
certificate's row, then the status lists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from issuers.catalogue import CertificateFields, CertificateType, get_type
from issuers.crypto.keys import VerifyingKey
from issuers.errors import Conflict, NotFound
from issuers.status_codes import CertificateStatus
from issuers.store import repository as repo
from issuers.store import status_store
from issuers.store.database import write_transaction
from issuers.store.issued import MintedCertificate, minted_by_key

if TYPE_CHECKING:
    from issuers.store.issuance import IssuanceService

__all__ = ["custodial_key", "once", "reissue"]

Body = Callable[[Connection, datetime], MintedCertificate]


def once(
    service: IssuanceService,
    mint_key: str | None,
    type_slug: str,
    issuer_uscc: str | None,
    body: Body,
    *,
    lost_race: str | None = None,
) -> MintedCertificate:
    """Run ``body`` in a write transaction unless ``mint_key`` already made a certificate
    (then return that one). ``lost_race``: the :class:`Conflict` message for an
    integrity error that no row of ``mint_key`` explains (a concurrent re-issue under
    another key); without it that error propagates."""

    def attempt() -> MintedCertificate:
        with write_transaction(service.engine) as conn:
            if mint_key is not None:
                found = minted_by_key(
                    conn,
                    mint_key,
                    service.public_base_url,
                    type_slug=type_slug,
                    issuer_uscc=issuer_uscc,
                )
                if found is not None:
                    return found
            minted = body(conn, service.clock())
        service.metrics.minted(type_slug, minted.record.issuer.uscc)  # committed
        return minted

    if mint_key is None:
        return attempt()
    try:
        return attempt()
    except IntegrityError:
        with service.engine.connect() as conn:
            found = minted_by_key(
                conn,
                mint_key,
                service.public_base_url,
                type_slug=type_slug,
                issuer_uscc=issuer_uscc,
            )
        if found is not None:
            return found  # another attempt with the same key committed first
        if lost_race is None:
            raise
        raise Conflict(lost_race, field="identifier") from None


def custodial_key(
    service: IssuanceService,
    conn: Connection,
    certificate_type: CertificateType,
    parsed: CertificateFields,
    holder_key: VerifyingKey | None,
    now: datetime,
) -> VerifyingKey | None:
    """The primary holder's key a person's certificate is bound to (none when the caller
    gives ``holder_key``). Take it before anything else in a mint: reading it takes the
    holder's lock, which a key retirement takes before the status lists, so a mint
    holding a list row first could deadlock with one (PostgreSQL)."""
    binder = service.holder_keys
    if holder_key is not None or binder is None or certificate_type.holder_kind != "person":
        return None
    return binder.binding_key(conn, certificate_type.holder_codes(parsed)[0], now)


def reissue(
    service: IssuanceService,
    identifier: str,
    fields: Mapping[str, Any],
    *,
    mint_key: str,
    actor: str = "bundle",
    valid_from: date | None = None,
) -> MintedCertificate:
    """Certificate ``identifier`` issued again with ``fields`` as version + 1 (same
    type, issuer and serial), the old version set to 05 失效; once per ``mint_key``.

    Only a valid (01) certificate is re-issued: a suspended, revoked or already
    re-issued one is refused with :class:`Conflict`, as is a concurrent re-issue of the
    same certificate under another key.
    """
    with service.engine.connect() as conn:
        old = repo.get_certificate(conn, identifier)
    if old is None:
        raise NotFound(f"no certificate {identifier}", field="identifier")
    certificate_type = get_type(old.type_slug)
    parsed = certificate_type.parse_fields(fields)
    version = int(old.version) + 1

    def body(conn: Connection, now: datetime) -> MintedCertificate:
        custodial = custodial_key(service, conn, certificate_type, parsed, None, now)
        current = status_store.locked_status(conn, identifier)  # the old row, locked
        if current is not CertificateStatus.VALID:
            # PostgreSQL: an attempt with this key may have committed while we waited
            # for the lock (READ COMMITTED: this statement sees it, the first did not).
            found = minted_by_key(
                conn, mint_key, service.public_base_url, type_slug=certificate_type.slug
            )
            if found is not None:
                return found
            raise Conflict(
                f"certificate {identifier} is {current.value} {current.name_zh}; only a "
                "valid certificate is re-issued",
                field="identifier",
            )
        minted = service.issue(
            conn,
            certificate_type,
            parsed,
            old.issuer_uscc,
            now=now,
            custodial=custodial,
            serial=int(old.serial),
            version=version,
            mint_key=mint_key,
            valid_from=valid_from,
        )
        status_store.change_status(
            conn,
            identifier,
            CertificateStatus.LAPSED,
            reason=f"已换发 version {version}: {minted.identifier}",
            actor=actor,
            now=now,
        )
        return minted

    return once(
        service,
        mint_key,
        certificate_type.slug,
        old.issuer_uscc,
        body,
        lost_race=f"certificate {identifier} was re-issued meanwhile",
    )
