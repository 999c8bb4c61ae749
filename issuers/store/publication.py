"""What this server publishes for verifiers: trust lists and status lists.

* One trust anchor per province served here (made on first use, sealed like issuer
  keys). ``trust_list(region)`` lists the issuers in that province with every key and
  its state, signed by the anchor (``issuers.trust``).
* ``status_list_jwt`` / ``status_list_cwt`` sign an issuer's status list with the
  issuer's active key (IETF Token Status List). Signed lists are cached in memory per
  list version, so a revocation is in the very next response and an unchanged list is
  not re-signed on every request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select

from issuers.codes.gb2260 import province_of
from issuers.crypto.keys import SigningKey, VerifyingKey
from issuers.crypto.sealing import seal, unseal
from issuers.errors import NotFound
from issuers.formats.status_list import StatusList, StatusListToken
from issuers.formats.status_list_token import sign_cwt, sign_jwt
from issuers.store import repository as repo
from issuers.store import status_store
from issuers.store.database import write_transaction
from issuers.store.issuance import IssuanceService, status_list_uri
from issuers.store.tables import status_lists, trust_anchors
from issuers.trust import KeyEntry, TrustedIssuerEntry, sign_trust_list, trust_list_from_issuers

TRUST_LIST_VALIDITY = timedelta(days=7)
STATUS_LIST_VALIDITY = timedelta(days=1)
STATUS_LIST_TTL_SECONDS = 300


class PublicationService:
    def __init__(
        self, issuance: IssuanceService, master_key: bytes, clock: Callable[[], datetime]
    ) -> None:
        self._issuance = issuance
        self._engine: Engine = issuance.engine
        self._master_key = master_key
        self._clock = clock
        self._anchor_keys: dict[str, SigningKey] = {}
        self._signed: dict[tuple[str, int, int, str], tuple[datetime, str | bytes]] = {}

    # -- trust lists -------------------------------------------------------------------
    def regions(self) -> list[str]:
        """The provinces this server has issuers in."""
        with self._engine.connect() as conn:
            return sorted({province_of(info.region_code) for info in repo.list_issuers(conn)})

    def anchor(self, region: str) -> SigningKey:
        cached = self._anchor_keys.get(region)
        if cached is not None:
            return cached
        with write_transaction(self._engine) as conn:
            row = conn.execute(
                select(trust_anchors).where(trust_anchors.c.region_code == region)
            ).first()
            if row is None:
                key = SigningKey.generate()
                sealed = seal(
                    self._master_key,
                    key.to_pkcs8(),
                    associated=key.public.kid.encode(),
                    purpose=b"anchor",
                )
                conn.execute(
                    insert(trust_anchors).values(
                        region_code=region,
                        kid=key.public.kid,
                        alg=key.alg.value,
                        public_jwk=key.public.to_jwk(),
                        sealed_private_key=sealed,
                        created_at=self._clock(),
                    )
                )
            else:
                der = unseal(
                    self._master_key,
                    row.sealed_private_key,
                    associated=str(row.kid).encode(),
                    purpose=b"anchor",
                )
                key = SigningKey.from_pkcs8(der)
        self._anchor_keys[region] = key
        return key

    def anchors(self) -> list[tuple[str, VerifyingKey]]:
        return [(region, self.anchor(region).public) for region in self.regions()]

    def trust_list(self, region: str) -> str:
        if region not in self.regions():
            raise NotFound(f"no trust list for region {region} here", field="region")
        now = self._clock()
        entries = []
        with self._engine.connect() as conn:
            for info in repo.list_issuers(conn):
                if province_of(info.region_code) != region:
                    continue
                keys = tuple(
                    KeyEntry.of(
                        VerifyingKey.from_jwk(row.public_jwk),
                        state=row.state,
                        not_before=_seconds(row.created_at),
                        not_after=_seconds(row.not_after),
                        compromised_at=_seconds(row.compromised_at)
                        if row.state == "compromised"
                        else None,
                    )
                    for row in repo.public_key_rows(conn, info.uscc)
                )
                entries.append(TrustedIssuerEntry(info, keys))
        unsigned = trust_list_from_issuers(
            region, entries, sequence=int(now.timestamp()), now=now, validity=TRUST_LIST_VALIDITY
        )
        return sign_trust_list(unsigned, self.anchor(region))

    # -- status lists ------------------------------------------------------------------
    def status_list_uris(self) -> list[tuple[str, str]]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(status_lists.c.issuer_uscc, status_lists.c.list_number).order_by(
                    status_lists.c.issuer_uscc, status_lists.c.list_number
                )
            ).all()
        base = self._issuance.public_base_url
        return [(status_list_uri(base, r.issuer_uscc, r.list_number), r.issuer_uscc) for r in rows]

    def status_list_jwt(self, issuer_uscc: str, list_number: int) -> str:
        signed = self._status_list(issuer_uscc, list_number, "jwt")
        assert isinstance(signed, str)
        return signed

    def status_list_cwt(self, issuer_uscc: str, list_number: int) -> bytes:
        signed = self._status_list(issuer_uscc, list_number, "cwt")
        assert isinstance(signed, bytes)
        return signed

    def _status_list(self, issuer_uscc: str, list_number: int, form: str) -> str | bytes:
        now = self._clock()
        with self._engine.connect() as conn:
            row = status_store.list_row(conn, issuer_uscc, list_number)
            cache_key = (issuer_uscc, list_number, int(row.version), form)
            cached = self._signed.get(cache_key)
            if cached is not None and now - cached[0] < timedelta(seconds=STATUS_LIST_TTL_SECONDS):
                return cached[1]  # unchanged list: one row read, no entries, no signing
            pairs = status_store.non_valid_entries(conn, int(row.id))
        bits = StatusList(int(row.size), bits=int(row.bits))
        for idx, value in pairs:
            bits.set(idx, value)
        issued = now.astimezone(UTC).replace(microsecond=0)
        token = StatusListToken(
            uri=status_list_uri(self._issuance.public_base_url, issuer_uscc, list_number),
            issued_at=issued,
            status_list=bits,
            expires=issued + STATUS_LIST_VALIDITY,
            ttl=STATUS_LIST_TTL_SECONDS,
        )
        key = self._issuance.active_signing_key(issuer_uscc)
        signed: str | bytes = sign_jwt(token, key) if form == "jwt" else sign_cwt(token, key)
        self._signed[cache_key] = (now, signed)
        return signed


def _seconds(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC).replace(microsecond=0)
