"""Issuance service: register issuers and their keys, and mint certificates durably.

A mint is one transaction: allocate the serial, build and sign the record, insert the
certificate and its holders. Any failure rolls all of it back, so a crash never leaves
a half-written certificate (a serial number may be skipped, which GB/T 36904 allows).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from issuers.catalogue import CertificateFields, CertificateType, get_type
from issuers.clock import Clock
from issuers.codes import build_identifier
from issuers.crypto.keys import Algorithm, SigningKey, VerifyingKey
from issuers.crypto.sealing import seal, unseal
from issuers.errors import KeyUnavailable, NotFound, PayloadTooLarge
from issuers.formats.cwt import StatusReference
from issuers.metrics import NOTHING, Recorder
from issuers.minting import NO_QR, build_record, rebind_qr, require_qr, sign_qr
from issuers.registry import IssuerInfo
from issuers.status_codes import CertificateStatus
from issuers.store import repository as repo
from issuers.store import status_store
from issuers.store.database import write_transaction
from issuers.store.issued import HolderKeyBinder, MintedCertificate
from issuers.store.issued import status_list_uri as status_list_uri
from issuers.store.reissue import custodial_key, once
from issuers.store.reissue import reissue as reissue_certificate
from issuers.store.repository import certificate_values


class IssuanceService:
    def __init__(
        self,
        engine: Engine,
        master_key: bytes,
        clock: Clock,
        *,
        public_base_url: str = "http://127.0.0.1:8000",
        holder_keys: HolderKeyBinder | None = None,
        metrics: Recorder = NOTHING,
    ) -> None:
        self._engine = engine
        self.metrics = metrics  # each certificate minted or re-issued counts (reissue.once)
        self._holder_keys = holder_keys
        self._master_key = master_key
        self._clock = clock
        self._base_url = public_base_url.rstrip("/")
        self._signing_keys: dict[str, SigningKey] = {}

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def holder_keys(self) -> HolderKeyBinder | None:
        return self._holder_keys

    def register_issuer(self, info: IssuerInfo, alg: Algorithm = Algorithm.EDDSA) -> str:
        """Create or update an issuer; give it a signing key if it has none. Returns the kid."""
        now = self._clock()
        with write_transaction(self._engine) as conn:
            repo.upsert_issuer(conn, info, now)
            existing = repo.active_key_row(conn, info.uscc)
            if existing is not None:
                return str(existing.kid)
            return self._add_key(conn, info.uscc, alg, now)

    def rotate_key(self, issuer_uscc: str, alg: Algorithm = Algorithm.EDDSA) -> str:
        """New certificates use a fresh key; the old one is retired and still verifies."""
        with write_transaction(self._engine) as conn:
            if repo.get_issuer(conn, issuer_uscc) is None:
                raise NotFound(f"no issuer {issuer_uscc}", field="issuer")
            return self._add_key(conn, issuer_uscc, alg, self._clock())

    def _add_key(self, conn: Connection, issuer_uscc: str, alg: Algorithm, now: datetime) -> str:
        key = SigningKey.generate(alg)
        kid = key.public.kid
        sealed = seal(self._master_key, key.to_pkcs8(), associated=kid.encode())
        repo.add_key(conn, issuer_uscc, key.public, sealed, now)
        self._signing_keys[kid] = key
        return kid

    def mint(
        self,
        type_ref: str,
        issuer_uscc: str,
        fields: Mapping[str, Any],
        *,
        holder: str | None = None,
        valid_from: date | None = None,
        valid_until: date | None = None,
        holder_key: VerifyingKey | None = None,
        mint_key: str | None = None,
    ) -> MintedCertificate:
        """Mint a certificate; with ``mint_key`` at most once (a second mint with the key
        returns the first one's certificate: :func:`issuers.store.reissue.once`)."""
        certificate_type = get_type(type_ref)
        parsed = certificate_type.parse_fields(fields)  # fail before a serial is taken

        def body(conn: Connection, now: datetime) -> MintedCertificate:
            custodial = custodial_key(self, conn, certificate_type, parsed, holder_key, now)
            return self.issue(
                conn, certificate_type, parsed, issuer_uscc, now=now, custodial=custodial,
                mint_key=mint_key, holder=holder, valid_from=valid_from,
                valid_until=valid_until, holder_key=holder_key,
            )  # fmt: skip

        return once(self, mint_key, certificate_type.slug, issuer_uscc, body)

    def issue(
        self,
        conn: Connection,
        certificate_type: CertificateType,
        parsed: CertificateFields,
        issuer_uscc: str,
        *,
        now: datetime,
        custodial: VerifyingKey | None,
        serial: int | None = None,
        version: int = 1,
        mint_key: str | None = None,
        holder: str | None = None,
        valid_from: date | None = None,
        valid_until: date | None = None,
        holder_key: VerifyingKey | None = None,
    ) -> MintedCertificate:
        """Sign and store a certificate in the caller's transaction: a new serial, or
        ``serial`` at ``version`` (a re-issue), and the primary holder's bound copy."""
        issuer = repo.get_issuer(conn, issuer_uscc)
        if issuer is None:
            raise NotFound(f"no issuer {issuer_uscc}", field="issuer")
        key_row = repo.active_key_row(conn, issuer_uscc)
        if key_row is None:
            raise KeyUnavailable(f"issuer {issuer_uscc} has no active signing key")
        key = self._open_key(key_row.kid, key_row.sealed_private_key)
        if serial is None:
            serial = repo.allocate_serials(conn, issuer_uscc, certificate_type.slug)
        identifier = build_identifier(
            certificate_type.type_code, issuer_uscc, serial, version=version
        )
        list_number, idx = status_store.reserve_index(conn, issuer_uscc, identifier, now)
        record = build_record(
            certificate_type,
            issuer,
            parsed,
            serial=serial,
            now=now,
            holder=holder,
            valid_from=valid_from,
            valid_until=valid_until,
            status=StatusReference(idx, status_list_uri(self._base_url, issuer_uscc, list_number)),
            holder_key=holder_key,
        )
        if version != 1:
            record = dataclasses.replace(record, identifier=identifier, version=version)
        try:
            qr = sign_qr(record, key)
        except PayloadTooLarge:  # a large household: no QR, the SD-JWT VC remains
            qr = NO_QR
        values = certificate_values(record, key_row.kid, qr) | {"mint_key": mint_key}
        certificate_id = repo.insert_certificate(conn, values, record.holder_codes)
        if self._holder_keys is not None and custodial is not None and qr != NO_QR:
            # The primary holder's copy, bound to their own key (made on first need)
            # with a status entry of its own; the other holders get theirs from the
            # wallet when they first present.
            copy = self._bind(conn, record.identifier, issuer_uscc, qr, custodial, key, now)
            self._holder_keys.keep_copy(
                conn, certificate_id, record.holder_codes[0], custodial.kid, copy, now
            )
        return MintedCertificate(record, qr, key_row.kid)

    def reissue(
        self,
        identifier: str,
        fields: Mapping[str, Any],
        *,
        mint_key: str,
        actor: str = "bundle",
    ) -> MintedCertificate:
        """Certificate ``identifier`` issued again with ``fields``: same type, issuer and
        serial, version + 1; the old version becomes 05 失效 in the same transaction.
        Once per ``mint_key`` (:func:`issuers.store.reissue.reissue`)."""
        return reissue_certificate(self, identifier, fields, mint_key=mint_key, actor=actor)

    def bound_copy(
        self,
        conn: Connection,
        identifier: str,
        issuer_uscc: str,
        qr: str,
        holder_key: VerifyingKey,
    ) -> str:
        """Certificate ``identifier``'s credential ``qr`` bound to ``holder_key`` (its
        ``cnf``), with a status entry of its own that starts at the certificate's
        status, signed with the issuer's active key. Retiring ``holder_key`` invalidates
        this copy alone (:func:`issuers.store.status_store.retire_copies`)."""
        # The status is read under the certificate's row lock, the one a status change
        # takes: a status read earlier could be revoked before this entry exists, and
        # the revocation would then miss it (PostgreSQL, READ COMMITTED).
        require_qr(qr, identifier)
        status = status_store.locked_status(conn, identifier)
        key = self.signing_key(conn, issuer_uscc)
        return self._bind(
            conn, identifier, issuer_uscc, qr, holder_key, key, self._clock(), status=status
        )

    def _bind(
        self,
        conn: Connection,
        identifier: str,
        issuer_uscc: str,
        qr: str,
        holder_key: VerifyingKey,
        issuer_key: SigningKey,
        now: datetime,
        *,
        status: CertificateStatus = CertificateStatus.VALID,
    ) -> str:
        list_number, idx = status_store.reserve_index(
            conn,
            issuer_uscc,
            identifier,
            now,
            holder_kid=holder_key.kid,
            value=status.list_value,
        )
        reference = StatusReference(idx, status_list_uri(self._base_url, issuer_uscc, list_number))
        return rebind_qr(qr, holder_key, issuer_key, reference)

    def change_status(
        self,
        identifier: str,
        target: CertificateStatus,
        *,
        reason: str | None,
        actor: str,
        issuer_uscc: str | None = None,
    ) -> CertificateStatus:
        """Suspend, reinstate or revoke; the reason and the actor are kept. Returns the
        previous status. The next published status list carries the change."""
        with write_transaction(self._engine) as conn:
            return status_store.change_status(
                conn,
                identifier,
                target,
                reason=reason,
                actor=actor,
                now=self._clock(),
                issuer_uscc=issuer_uscc,
            )

    @property
    def public_base_url(self) -> str:
        return self._base_url

    @property
    def clock(self) -> Clock:
        return self._clock

    def active_signing_key(self, issuer_uscc: str) -> SigningKey:
        """The issuer's current key, opened (for signing its status lists)."""
        with self._engine.connect() as conn:
            return self.signing_key(conn, issuer_uscc)

    def signing_key(self, conn: Connection, issuer_uscc: str) -> SigningKey:
        """The issuer's current key, opened, read in the caller's transaction (the
        SD-JWT VC issuer signs with it: :mod:`issuers.store.sd_jwt_issuer`)."""
        row = repo.active_key_row(conn, issuer_uscc)
        if row is None:
            raise KeyUnavailable(f"issuer {issuer_uscc} has no active signing key")
        return self._open_key(row.kid, row.sealed_private_key)

    def compromise_key(self, kid: str, since: datetime | None = None) -> str:
        """Declare a key compromised: every credential it signed fails with
        ``key_compromised`` from the next trust list on (and at once on this server).
        If it was the active key, a fresh key of its algorithm takes over. Returns the issuer."""
        now = self._clock()
        with write_transaction(self._engine) as conn:
            issuer_uscc, alg = repo.mark_compromised(conn, kid, since or now)
            if repo.active_key_row(conn, issuer_uscc) is None:  # an SM2 issuer stays SM2
                self._add_key(conn, issuer_uscc, alg, now)
        self._signing_keys.pop(kid, None)
        return issuer_uscc

    def _open_key(self, kid: str, sealed: bytes | None) -> SigningKey:
        cached = self._signing_keys.get(kid)
        if cached is not None:
            return cached
        if sealed is None:
            raise KeyUnavailable(f"key {kid} has no private part here")
        key = SigningKey.from_pkcs8(unseal(self._master_key, sealed, associated=kid.encode()))
        self._signing_keys[kid] = key
        return key
