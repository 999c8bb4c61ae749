"""What this server publishes for verifiers: trust lists and status lists.

* One trust anchor per province served here (made on first use with ``anchor_alg``,
  Ed25519 unless the operator chose ES256 or SM2 (``ELICENSE_ANCHOR_ALG``), sealed like
  issuer keys; an anchor keeps the algorithm it was made with). ``trust_list(region)``
  lists the issuers in that province with every key and its state, signed by the
  anchor (``issuers.trust``). An issuer whose USCC was registered in another province
  is left out (and logged): a verifier would refuse the whole list for it.
* ``signed_status_list`` (``status_list_jwt`` / ``status_list_cwt``) signs an issuer's
  status list with the issuer's active key (IETF Token Status List). One signed copy
  per list and form is kept in memory and served while three things hold: the list's
  version is unchanged (a revocation is in the very next response), the key the
  database names as the issuer's active one is the key that signed it (a rotation or
  a compromise made by any process, e.g. ``elicense keys compromise``, is in the very
  next response of every process: the database is read on every request, the memory
  of this one never trusted for it), and it is younger than
  ``STATUS_LIST_RESIGN_SECONDS``. Verifiers judge a list's age from its own signed
  ``iat`` and ``ttl``, so a copy must leave here young: re-signing every 30 s of a
  300 s ttl means a fetched list stays fresh for at least 270 s, and ``max-age`` tells
  caches in between (a CDN) to hold it no longer than that re-signing period.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, Engine, insert, select

from issuers.clock import Clock
from issuers.codes.gb2260 import province_of
from issuers.codes.gb32100 import registration_region
from issuers.crypto.keys import Algorithm, SigningKey, VerifyingKey
from issuers.crypto.sealing import seal, unseal
from issuers.errors import NotFound
from issuers.formats.status_list import StatusList, StatusListToken
from issuers.formats.status_list_token import sign_cwt, sign_jwt
from issuers.store import repository as repo
from issuers.store import status_store
from issuers.store.database import write_transaction
from issuers.store.issuance import IssuanceService, status_list_uri
from issuers.store.tables import issuer_keys, status_lists, trust_anchors
from issuers.trust import (
    KeyEntry,
    TrustedIssuerEntry,
    in_province,
    sign_trust_list,
    trust_list_from_issuers,
)

log = logging.getLogger("elicense.publication")

TRUST_LIST_VALIDITY = timedelta(days=7)
STATUS_LIST_VALIDITY = timedelta(days=1)
STATUS_LIST_TTL_SECONDS = 300
STATUS_LIST_RESIGN_SECONDS = 30  # a tenth of the ttl: see the module docstring
Form = Literal["jwt", "cwt"]


@dataclass(frozen=True, slots=True)
class SignedStatusList:
    """A signed status list and how long a cache in between may keep it (``max-age``)."""

    body: str | bytes
    issued_at: datetime
    max_age: int


@dataclass(frozen=True, slots=True)
class _SignedCopy:
    version: int
    kid: str
    signed_at: datetime
    body: str | bytes


class PublicationService:
    def __init__(
        self,
        issuance: IssuanceService,
        master_key: bytes,
        clock: Clock,
        *,
        anchor_alg: Algorithm = Algorithm.EDDSA,
    ) -> None:
        self._issuance = issuance
        self._anchor_alg = anchor_alg
        self._engine: Engine = issuance.engine
        self._master_key = master_key
        self._clock = clock
        self._anchor_keys: dict[str, SigningKey] = {}
        # (issuer, list number, form) -> the last copy signed: one per list and form.
        self._signed: dict[tuple[str, int, Form], _SignedCopy] = {}

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
                key = SigningKey.generate(self._anchor_alg)
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
                if not in_province(region, registration_region(info.uscc)):
                    # Every verifier would refuse the whole list for it (issuers.trust).
                    log.warning(
                        "trust list %s: %s left out: its USCC is registered in %s",
                        region,
                        info.uscc,
                        registration_region(info.uscc),
                    )
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
        signed = self.signed_status_list(issuer_uscc, list_number, "jwt").body
        assert isinstance(signed, str)
        return signed

    def status_list_cwt(self, issuer_uscc: str, list_number: int) -> bytes:
        signed = self.signed_status_list(issuer_uscc, list_number, "cwt").body
        assert isinstance(signed, bytes)
        return signed

    def signed_status_list(
        self, issuer_uscc: str, list_number: int, form: Form
    ) -> SignedStatusList:
        """The list signed by the issuer's active key, at most
        ``STATUS_LIST_RESIGN_SECONDS`` old; see the module docstring."""
        now = self._clock()
        cache_key = (issuer_uscc, list_number, form)
        with self._engine.connect() as conn:
            row = _list_and_active_kid(conn, issuer_uscc, list_number)
            cached = self._signed.get(cache_key)
            if (
                cached is not None
                and cached.version == row.version
                and cached.kid == row.active_kid
                and timedelta(0) <= now - cached.signed_at < _RESIGN
            ):
                return _served(cached, now)  # one row read, no entries, no signing
            pairs = status_store.non_valid_entries(conn, row.id)
        bits = StatusList(row.size, bits=row.bits)
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
        # Re-read, not row.active_kid: if the key changed in between, the copy is kept
        # under the kid that really signed it, and the next request sees the mismatch.
        key = self._issuance.active_signing_key(issuer_uscc)
        signed: str | bytes = sign_jwt(token, key) if form == "jwt" else sign_cwt(token, key)
        copy = _SignedCopy(row.version, key.public.kid, issued, signed)
        self._signed[cache_key] = copy
        return _served(copy, now)


_RESIGN = timedelta(seconds=STATUS_LIST_RESIGN_SECONDS)


@dataclass(frozen=True, slots=True)
class _ListHead:
    id: int
    size: int
    bits: int
    version: int
    active_kid: str | None


def _list_and_active_kid(conn: Connection, issuer_uscc: str, list_number: int) -> _ListHead:
    """The list's row (id, size, bits, version) and the issuer's active kid (None if it
    has none), in one round trip; NotFound if there is no such list."""
    active_kid = (
        repo.active_key_select(status_lists.c.issuer_uscc, issuer_keys.c.kid)
        .limit(1)
        .scalar_subquery()
    )
    row = conn.execute(
        select(
            status_lists.c.id,
            status_lists.c.size,
            status_lists.c.bits,
            status_lists.c.version,
            active_kid.label("active_kid"),
        ).where(
            status_lists.c.issuer_uscc == issuer_uscc, status_lists.c.list_number == list_number
        )
    ).first()
    if row is None:
        raise NotFound(f"no status list {list_number} for {issuer_uscc}", field="list")
    kid = None if row.active_kid is None else str(row.active_kid)
    return _ListHead(int(row.id), int(row.size), int(row.bits), int(row.version), kid)


def _served(copy: _SignedCopy, now: datetime) -> SignedStatusList:
    left = STATUS_LIST_RESIGN_SECONDS - int((now - copy.signed_at).total_seconds())
    return SignedStatusList(
        copy.body, copy.signed_at, max(0, min(left, STATUS_LIST_RESIGN_SECONDS))
    )


def _seconds(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC).replace(microsecond=0)
