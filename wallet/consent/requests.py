"""A service's new authorisation request, checked before anything is stored.

Issue 10, item 2: the request names the holders (公民身份号码, GB 11643), per holder
the certificate types and the exact claims needed per type, a purpose (申请事由, 1-200
characters), the bundle item it serves, an expiry and a maximum number of uses. Asking
for more than the bundle item allows, or for an item the service may not serve, is
:class:`~issuers.errors.BeyondBundleItem` naming the field
(``holders[0].certificates.marriage`` or ``holders[0].certificates.marriage[2]``).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from issuers.codes import parse_resident_id
from issuers.errors import BeyondBundleItem, InvalidInput
from wallet.consent.ids import new_id
from wallet.consent.items import BundleItem
from wallet.consent.records import ConsentRequest, Party, Requester

__all__ = [
    "MAX_HOLDERS",
    "MAX_LIFETIME",
    "MAX_TYPES_PER_HOLDER",
    "AskedHolder",
    "NewRequest",
    "check_new_request",
]

MAX_HOLDERS = 10
MAX_TYPES_PER_HOLDER = 8
MAX_PURPOSE = 200
MAX_USES = 1000
MAX_LIFETIME = timedelta(days=90)
_NONCE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{15,42}")
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})  # Unicode control, format, unassigned


@dataclass(frozen=True, slots=True)
class AskedHolder:
    id_number: str
    certificates: Mapping[str, Sequence[str]]  # type slug -> claim names


@dataclass(frozen=True, slots=True)
class NewRequest:
    """What the service sent; exactly one of ``expires_at`` and ``expires_in`` (seconds)."""

    holders: Sequence[AskedHolder]
    purpose: str
    bundle_item: str
    max_uses: int
    expires_at: datetime | None = None
    expires_in: int | None = None
    nonce: str | None = None
    # The request's id, chosen by a caller that must not make the same request twice
    # (the bundle workflow, whose step may run again after a crash); None: a fresh one.
    request_id: str | None = None


def check_new_request(
    new: NewRequest, requester: Requester, items: Mapping[str, BundleItem], now: datetime
) -> ConsentRequest:
    """The request to store, or the first problem as a typed error naming its field."""
    item = items.get(new.bundle_item)
    if item is None or new.bundle_item not in requester.bundle_items:
        raise BeyondBundleItem(
            f"this service may not make requests for bundle item {new.bundle_item!r}",
            field="bundle_item",
        )
    purpose = new.purpose.strip()
    if not 1 <= len(purpose) <= MAX_PURPOSE:
        raise InvalidInput(
            f"purpose (申请事由) takes 1 to {MAX_PURPOSE} characters", field="purpose"
        )
    if any(unicodedata.category(char) in _HIDDEN for char in purpose):
        # The citizen reads the purpose as the reason to share: a control or format
        # character (NUL, line break, escape, bidi override, zero width) could hide or
        # reorder what they read, and PostgreSQL text refuses NUL outright.
        raise InvalidInput(
            "purpose (申请事由) may not hold control or invisible characters", field="purpose"
        )
    if not 1 <= new.max_uses <= MAX_USES:
        raise InvalidInput(f"max_uses must be 1 to {MAX_USES}", field="max_uses")
    nonce = new.nonce if new.nonce is not None else secrets.token_urlsafe(16)
    if not _NONCE.fullmatch(nonce):
        raise InvalidInput("nonce takes 1 to 64 characters of A-Z a-z 0-9 _ -", field="nonce")
    if new.request_id is not None and not _ID.fullmatch(new.request_id):
        raise InvalidInput(
            "a request id takes 16 to 43 characters of A-Z a-z 0-9 _ -", field="request_id"
        )
    return ConsentRequest(
        id=new.request_id if new.request_id is not None else new_id(),
        client_id=requester.client_id,
        client_name=requester.name,
        bundle_item=item.code,
        purpose=purpose,
        nonce=nonce,
        expires_at=_expiry(new, now),
        max_uses=new.max_uses,
        uses_taken=0,
        stored_state="pending",
        created_at=now,
        revoked_at=None,
        parties=_parties(new.holders, item),
    )


def _expiry(new: NewRequest, now: datetime) -> datetime:
    if (new.expires_at is None) == (new.expires_in is None):
        raise InvalidInput("give expires_at or expires_in, not both", field="expires_at")
    if new.expires_in is not None:
        field = "expires_in"
        if not 0 < new.expires_in <= MAX_LIFETIME.total_seconds():
            # Checked before the arithmetic: a huge count of seconds overflows datetime.
            raise InvalidInput(
                f"the request must expire in the future and within {MAX_LIFETIME.days} days",
                field=field,
            )
        expires_at = now + timedelta(seconds=new.expires_in)
    else:
        assert new.expires_at is not None
        if new.expires_at.tzinfo is None:
            raise InvalidInput("expires_at needs a UTC offset", field="expires_at")
        expires_at, field = new.expires_at, "expires_at"
    if not now < expires_at <= now + MAX_LIFETIME:
        raise InvalidInput(
            f"the request must expire in the future and within {MAX_LIFETIME.days} days",
            field=field,
        )
    return expires_at


def _parties(holders: Sequence[AskedHolder], item: BundleItem) -> tuple[Party, ...]:
    if not 1 <= len(holders) <= MAX_HOLDERS:
        raise InvalidInput(f"name 1 to {MAX_HOLDERS} holders", field="holders")
    parties: list[Party] = []
    seen: set[str] = set()
    for position, holder in enumerate(holders):
        where = f"holders[{position}]"
        code = parse_resident_id(holder.id_number, field=f"{where}.id_number").value
        if code in seen:
            raise InvalidInput("a holder is named twice", field=f"{where}.id_number")
        seen.add(code)
        asks = _asks(holder.certificates, item, where)
        parties.append(Party(code, position, asks, "pending", None, None, None))
    return tuple(parties)


def _asks(
    certificates: Mapping[str, Sequence[str]], item: BundleItem, where: str
) -> Mapping[str, tuple[str, ...]]:
    if not 1 <= len(certificates) <= MAX_TYPES_PER_HOLDER:
        raise InvalidInput(
            f"ask for 1 to {MAX_TYPES_PER_HOLDER} certificate types", field=f"{where}.certificates"
        )
    asks: dict[str, tuple[str, ...]] = {}
    for slug, claims in certificates.items():
        field = f"{where}.certificates.{slug}"
        allowed = item.certificates.get(slug)
        if allowed is None:
            raise BeyondBundleItem(f"{item.name_zh} ({item.code}) does not use {slug}", field=field)
        if not claims:
            raise InvalidInput("ask for at least one claim", field=field)
        for index, claim in enumerate(claims):
            if claim not in allowed:
                raise BeyondBundleItem(
                    f"{item.name_zh} ({item.code}) does not allow claim {claim!r} of {slug}",
                    field=f"{field}[{index}]",
                )
        asks[slug] = tuple(dict.fromkeys(claims))
    return MappingProxyType(asks)
