"""Batch mint: many certificates in one transaction, for a bulk caller (``elicense
import``).

:meth:`IssuanceService.mint` spends one transaction per certificate (347/s on SQLite
when measured). Here one transaction carries a whole batch: each (issuer, type) takes
its serials in one ``UPDATE ... RETURNING`` (:func:`repository.allocate_serials`), the
status indices are drawn at random in a few multi-row INSERTs
(:func:`status_store.reserve_indices`), every record is built and signed, and the
certificates and their holders are inserted with ``executemany``. Any failure rolls
all of it back: a batch is stored whole or not at all (a serial may be skipped, which
GB/T 36904 allows).

Mint keys are honoured as :meth:`IssuanceService.mint` honours them: a key that
already made a certificate returns that certificate (looked up inside the write
transaction), a key repeated within the batch makes one certificate, and on
PostgreSQL a batch that loses a race on a key (the unique index refuses its insert)
rolls back and runs once more, finding the winner's certificate.

What a single mint does and a batch does not: no holder-bound copy is made at mint
(the wallet binds the holder's copy the first time it is presented, as it does for
every co-holder: :meth:`wallet.holders.store.HolderStore.bind_copy`), and no device key
is taken (``holder_key``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from issuers.catalogue import CertificateFields, CertificateType, get_type
from issuers.crypto.keys import SigningKey
from issuers.errors import ElicenseError, KeyUnavailable, NotFound, PayloadTooLarge
from issuers.formats import cose_sign1, qr_envelope
from issuers.formats.cwt import StatusReference
from issuers.minting import NO_QR, CertificateRecord, build_record
from issuers.registry import IssuerInfo
from issuers.store import repository as repo
from issuers.store import status_store
from issuers.store.bulk_insert import insert_many
from issuers.store.database import write_transaction
from issuers.store.issued import MintedCertificate, minted_by_key, status_list_uri
from issuers.store.tables import certificate_holders, certificates

if TYPE_CHECKING:
    from issuers.store.issuance import IssuanceService

__all__ = ["MintRequest", "Prepared", "Sealer", "mint_batch", "prepare", "seal_payloads"]

# Signs claims (CBOR) into QR texts with one key; NO_QR for one too large for a code.
# The default signs here; a bulk importer may hand the work to other processes.
Sealer = Callable[[SigningKey, Sequence[bytes]], list[str]]


@dataclass(frozen=True, slots=True)
class MintRequest:
    """One certificate to mint: what :meth:`IssuanceService.mint` takes."""

    type_ref: str
    issuer_uscc: str
    fields: Mapping[str, Any]
    holder: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    mint_key: str | None = None


@dataclass(frozen=True, slots=True)
class Prepared:
    """A request validated by :func:`prepare` (a bulk reader validates as it reads)."""

    request: MintRequest
    type: CertificateType
    fields: CertificateFields


def prepare(request: MintRequest) -> Prepared:
    """The request's type and fields, validated (a typed error naming the field)."""
    certificate_type = get_type(request.type_ref)
    return Prepared(request, certificate_type, certificate_type.parse_fields(request.fields))


def seal_payloads(key: SigningKey, payloads: Sequence[bytes]) -> list[str]:
    """Each CWT claims payload signed (COSE_Sign1) and wrapped into QR text."""
    kid = key.public.thumbprint
    texts = []
    for payload in payloads:
        cose = cose_sign1.sign(payload, key, kid=kid)
        try:
            texts.append(qr_envelope.wrap_scannable(cose, what="this certificate", field="fields"))
        except PayloadTooLarge:  # a large household: no QR, the SD-JWT VC remains
            texts.append(NO_QR)
    return texts


def mint_batch(
    service: IssuanceService,
    requests: Sequence[MintRequest | Prepared],
    *,
    sealer: Sealer = seal_payloads,
) -> list[MintedCertificate]:
    """Mint ``requests`` in one transaction; the certificates in the requests' order.

    A request that fails validation raises its typed error with ``details["index"]``
    its position, before anything is written."""
    prepared = []
    for i, request in enumerate(requests):
        with _at(i):
            prepared.append(request if isinstance(request, Prepared) else prepare(request))
    try:
        return _in_transaction(service, prepared, sealer)
    except IntegrityError:
        if not any(p.request.mint_key for p in prepared):
            raise
        return _in_transaction(service, prepared, sealer)  # a racing batch took a key


def _in_transaction(
    service: IssuanceService, prepared: list[Prepared], sealer: Sealer
) -> list[MintedCertificate]:
    out: list[MintedCertificate | None] = [None] * len(prepared)
    with write_transaction(service.engine) as conn:
        now = service.clock()
        fresh, repeats = _known_keys(conn, service, prepared, out)
        groups: dict[tuple[str, str], list[int]] = {}
        for i in fresh:
            p = prepared[i]
            groups.setdefault((p.request.issuer_uscc, p.type.slug), []).append(i)
        for positions in groups.values():
            minted = _mint_group(service, conn, [(i, prepared[i]) for i in positions], now, sealer)
            for i, certificate in zip(positions, minted, strict=True):
                out[i] = certificate
        for i, first in repeats.items():  # a key repeated in the batch: its first mint
            out[i] = out[first]
    for (issuer_uscc, slug), positions in groups.items():  # committed: count them
        service.metrics.minted(slug, issuer_uscc, len(positions))
    return [certificate for certificate in out if certificate is not None]


def _known_keys(
    conn: Connection,
    service: IssuanceService,
    prepared: list[Prepared],
    out: list[MintedCertificate | None],
) -> tuple[list[int], dict[int, int]]:
    """Fill ``out`` for the requests whose mint key already made a certificate; return
    the positions still to mint, and each repeat of a key in the batch with the
    position of its first occurrence."""
    keys = {p.request.mint_key for p in prepared if p.request.mint_key is not None}
    stored = set()
    if keys:
        stored = set(
            conn.execute(
                select(certificates.c.mint_key).where(certificates.c.mint_key.in_(keys))
            ).scalars()
        )
    fresh: list[int] = []
    first: dict[str, int] = {}
    repeats: dict[int, int] = {}
    for i, p in enumerate(prepared):
        key = p.request.mint_key
        if key is not None and key in stored:
            with _at(i):
                out[i] = _found(conn, service, p)
        elif key is not None and key in first:
            repeats[i] = first[key]
        else:
            fresh.append(i)
            if key is not None:
                first[key] = i
    return fresh, repeats


def _found(conn: Connection, service: IssuanceService, p: Prepared) -> MintedCertificate:
    key, issuer = p.request.mint_key, p.request.issuer_uscc
    assert key is not None
    found = minted_by_key(
        conn, key, service.public_base_url, type_slug=p.type.slug, issuer_uscc=issuer
    )
    assert found is not None  # read in this transaction a moment ago
    return found


def _mint_group(
    service: IssuanceService,
    conn: Connection,
    group: list[tuple[int, Prepared]],
    now: datetime,
    sealer: Sealer,
) -> list[MintedCertificate]:
    """One (issuer, type)'s share of the batch (with each request's position): serials,
    indices, records, signatures, rows."""
    issuer_uscc, certificate_type = group[0][1].request.issuer_uscc, group[0][1].type
    issuer = repo.get_issuer(conn, issuer_uscc)
    if issuer is None:
        raise NotFound(f"no issuer {issuer_uscc}", field="issuer")
    key_row = repo.active_key_row(conn, issuer_uscc)
    if key_row is None:
        raise KeyUnavailable(f"issuer {issuer_uscc} has no active signing key")
    key = service.signing_key(conn, issuer_uscc)
    first = repo.allocate_serials(conn, issuer_uscc, certificate_type.slug, len(group))
    records = []
    for n, (i, p) in enumerate(group):
        with _at(i):
            records.append(_record(p, issuer, first + n, now))
    places = status_store.reserve_indices(conn, issuer_uscc, [r.identifier for r in records], now)
    base = service.public_base_url
    records = [
        replace(r, status=StatusReference(idx, status_list_uri(base, issuer_uscc, number)))
        for r, (number, idx) in zip(records, places, strict=True)
    ]
    texts = sealer(key, [r.claims().to_cbor() for r in records])
    _insert(conn, records, texts, key_row.kid, [p.request.mint_key for _, p in group])
    return [MintedCertificate(r, qr, key_row.kid) for r, qr in zip(records, texts, strict=True)]


def _record(p: Prepared, issuer: IssuerInfo, serial: int, now: datetime) -> CertificateRecord:
    r = p.request
    return build_record(
        p.type, issuer, p.fields, serial=serial, now=now, holder=r.holder,
        valid_from=r.valid_from, valid_until=r.valid_until,
    )  # fmt: skip


def _insert(
    conn: Connection,
    records: list[CertificateRecord],
    texts: list[str],
    kid: str,
    mint_keys: list[str | None],
) -> None:
    rows = [
        repo.certificate_values(r, kid, qr) | {"mint_key": k}
        for r, qr, k in zip(records, texts, mint_keys, strict=True)
    ]
    stored = insert_many(conn, certificates, rows, returning=("identifier", "id"))
    ids = {str(r[0]): int(r[1]) for r in stored}
    holders = [
        {"certificate_id": ids[r.identifier], "holder_code": code, "position": n}
        for r in records
        for n, code in enumerate(r.holder_codes)
    ]
    insert_many(conn, certificate_holders, holders)


@contextmanager
def _at(index: int) -> Iterator[None]:
    """A typed error raised inside is marked with the request's position."""
    try:
        yield
    except ElicenseError as exc:
        details = exc.details if isinstance(exc.details, dict) else {"errors": exc.details}
        exc.details = {**{k: v for k, v in details.items() if v is not None}, "index": index}
        raise
