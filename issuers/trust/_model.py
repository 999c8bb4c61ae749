"""The trust list as plain values: which issuers an anchor vouches for, with which keys."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from issuers.codes import region_name, validate_region
from issuers.crypto.keys import Algorithm, VerifyingKey
from issuers.errors import InvalidCode, InvalidInput
from issuers.registry import IssuerInfo, TrustedKey

KeyState = Literal["active", "retired", "compromised"]
KEY_STATES: tuple[KeyState, ...] = ("active", "retired", "compromised")
# The region of central authorities: the 登记管理机关行政区划码 (GB 32100 positions 3-8)
# that central registrations carry. Not a GB/T 2260 province: only a national anchor's
# list has it as ``iss``, and it names only issuers registered there.
NATIONAL_REGION = "100000"


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One issuer key as the list states it.

    ``not_before``/``not_after`` bound the period the issuer signs with the key; what
    it signed stays verifiable after ``not_after`` unless the key is ``compromised``.
    """

    key: VerifyingKey
    kid: str  # RFC 7638 thumbprint, base64url
    alg: Algorithm
    not_before: datetime | None = None
    not_after: datetime | None = None
    state: KeyState = "active"
    compromised_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.kid != self.key.kid:
            raise InvalidInput("kid must be the key's RFC 7638 thumbprint", field="kid")
        if self.alg is not self.key.alg:
            raise InvalidInput(f"alg {self.alg} is not the key's {self.key.alg}", field="alg")
        if self.state not in KEY_STATES:
            raise InvalidInput(f"state must be one of {', '.join(KEY_STATES)}", field="state")
        if self.compromised_at is not None and self.state != "compromised":
            raise InvalidInput("compromised_at needs state compromised", field="compromised_at")

    @classmethod
    def of(
        cls,
        key: VerifyingKey,
        *,
        state: KeyState = "active",
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        compromised_at: datetime | None = None,
    ) -> KeyEntry:
        """The entry for ``key``, with ``kid`` and ``alg`` taken from the key itself."""
        return cls(key, key.kid, key.alg, not_before, not_after, state, compromised_at)

    def trusted(self, issuer: IssuerInfo) -> TrustedKey:
        return TrustedKey(self.key, issuer, self.not_before, self.not_after, self.state)


@dataclass(frozen=True, slots=True)
class TrustedIssuerEntry:
    info: IssuerInfo
    keys: tuple[KeyEntry, ...]


@dataclass(frozen=True, slots=True)
class TrustList:
    """A region's list of trusted issuers. Times are whole seconds (JWT NumericDate)."""

    region_code: str  # GB/T 2260 code of the anchor's region: the JWT ``iss``
    region_name: str | None
    anchor_kid: str  # RFC 7638 thumbprint of the anchor key; sign_trust_list fills ""
    sequence: int
    issued_at: datetime
    next_update: datetime  # the JWT ``exp``: verifiers refuse the list from then on
    issuers: tuple[TrustedIssuerEntry, ...]

    def issuer(self, uscc: str) -> TrustedIssuerEntry | None:
        return next((entry for entry in self.issuers if entry.info.uscc == uscc), None)


@dataclass(frozen=True, slots=True)
class TrustAnchor:
    """A region's trust-anchor key as a verifier is configured with it, out of band.

    The region is part of the configuration, not of what the anchor signs: an anchor
    signs only its own region's list (``iss`` equal to ``region_code``), and so vouches
    only for issuers registered in its province (:func:`in_province`). A national
    anchor has ``region_code`` :data:`NATIONAL_REGION`.
    """

    key: VerifyingKey
    region_code: str

    def __post_init__(self) -> None:
        if self.region_code != NATIONAL_REGION:
            try:
                validate_region(self.region_code, field="region_code")
            except InvalidCode as exc:
                raise InvalidInput(f"anchor region: {exc.message}", field="region_code") from None

    @property
    def kid(self) -> str:
        return self.key.kid


def in_province(scope: str, region_code: str) -> bool:
    """Whether ``region_code`` lies in the province of the list region ``scope`` (for
    the national region: is the national region itself)."""
    if scope == NATIONAL_REGION:
        return region_code == NATIONAL_REGION
    return region_code[:2] == scope[:2]


def covers(scope: str, region_code: str) -> bool:
    """Whether the GB/T 2260 region ``scope`` contains ``region_code``.

    A province (``320000``) contains its prefectures and counties, a prefecture
    (``320100``) its counties, a county only itself; the national region only itself.
    """
    if scope == NATIONAL_REGION:
        return region_code == NATIONAL_REGION
    if scope.endswith("0000"):
        return region_code[:2] == scope[:2]
    if scope.endswith("00"):
        return region_code[:4] == scope[:4]
    return region_code == scope


def trust_list_from_issuers(
    region_code: str,
    entries: Iterable[TrustedIssuerEntry],
    *,
    sequence: int,
    now: datetime,
    validity: timedelta,
    anchor_kid: str = "",
) -> TrustList:
    """An unsigned list issued at ``now`` (to the second), due for renewal after ``validity``.

    Nothing is validated here beyond the clock; :func:`sign_trust_list` refuses
    (``InvalidInput``) whatever a verifier would refuse.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput("now must carry a time zone", field="now")
    if validity <= timedelta(0):
        raise InvalidInput("validity must be positive", field="validity")
    issued_at = now.astimezone(UTC).replace(microsecond=0)
    return TrustList(
        region_code=region_code,
        region_name=region_name(region_code),
        anchor_kid=anchor_kid,
        sequence=sequence,
        issued_at=issued_at,
        next_update=(issued_at + validity).replace(microsecond=0),
        issuers=tuple(entries),
    )
