"""What the consent feature hands out: typed, frozen, free of any framework.

The store builds these from its rows; nothing above it sees a row. A request becomes
a usable grant (:data:`Grant`) only when every party has approved and it is neither
expired, revoked, denied, withdrawn nor exhausted (:meth:`ConsentRequest.state_at`). The
:class:`SharePreparer` is the hook the shares feature plugs in to make each holder's
SD-JWT VC and key-binding JWT at approval time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = [
    "WITHDRAWABLE",
    "ChosenCertificate",
    "ConsentRequest",
    "Decision",
    "Delegation",
    "Grant",
    "NoSharePreparer",
    "Party",
    "RequestState",
    "Requester",
    "SharePreparer",
    "StoredState",
    "ValidCertificate",
    "Via",
    "Withdrawal",
]

Decision = Literal["pending", "approved", "denied", "revoked"]
"""A party's decision. ``revoked``: this party withdrew an approval."""

Via = Literal["self", "guardian", "delegate"]
"""How the citizen who decided for a party stands to them."""

RequestState = Literal[
    "pending", "active", "denied", "revoked", "withdrawn", "expired", "exhausted"
]
"""A request as seen at one instant; only ``active`` may be pulled under. ``withdrawn``:
the requesting service took its request back (pending, or an active grant)."""

StoredState = Literal["pending", "approved", "denied", "revoked", "withdrawn"]
"""What was decided, as stored; expired and exhausted are read at an instant."""


@dataclass(frozen=True, slots=True)
class Requester:
    """The service making a request, as its bearer token proved it."""

    client_id: str
    name: str
    bundle_items: frozenset[str]


@dataclass(frozen=True, slots=True)
class Party:
    """One holder named by a request, what is asked of them, and their decision."""

    holder_code: str
    position: int
    asks: Mapping[str, tuple[str, ...]]  # type slug -> claim names, in the request's order
    decision: Decision
    decided_at: datetime | None
    decided_via: Via | None
    decided_by: str | None  # the 公民身份号码 of the citizen who decided


@dataclass(frozen=True, slots=True)
class ConsentRequest:
    """An authorisation request and its parties (a grant once all approved)."""

    id: str
    client_id: str
    client_name: str
    bundle_item: str
    purpose: str
    nonce: str
    expires_at: datetime
    max_uses: int
    uses_taken: int
    stored_state: StoredState
    created_at: datetime
    revoked_at: datetime | None
    parties: tuple[Party, ...]

    def state_at(self, now: datetime) -> RequestState:
        """Revoked, denied and withdrawn are final; past ``expires_at`` it is expired
        whatever was decided; an approved one with no use left is exhausted."""
        if self.stored_state == "revoked":
            return "revoked"
        if self.stored_state == "denied":
            return "denied"
        if self.stored_state == "withdrawn":
            return "withdrawn"
        if now >= self.expires_at:
            return "expired"
        if self.stored_state == "pending":
            return "pending"
        return "exhausted" if self.uses_taken >= self.max_uses else "active"

    def party(self, holder_code: str) -> Party | None:
        return next((p for p in self.parties if p.holder_code == holder_code), None)

    @property
    def uses_left(self) -> int:
        return max(0, self.max_uses - self.uses_taken)


Grant = ConsentRequest
"""A request every party approved, as :meth:`ConsentService.grant_for_pull` returns it."""


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """What a service's withdrawal of its request did: ``request`` as it is now, ``was``
    its state just before. Only a ``pending`` request or an ``active`` grant is
    withdrawn; any other (already withdrawn, denied, revoked, expired, exhausted) is
    left as it was, so withdrawing again changes nothing."""

    request: ConsentRequest
    was: RequestState

    @property
    def changed(self) -> bool:
        return self.was in WITHDRAWABLE


WITHDRAWABLE: frozenset[RequestState] = frozenset({"pending", "active"})


@dataclass(frozen=True, slots=True)
class ChosenCertificate:
    """The certificate a party's approval shares for one asked type: the holder's newest
    valid one, and exactly the values of the asked claims
    (:func:`wallet.consent.preview.shared_values`)."""

    identifier: str
    type_slug: str
    issuer_uscc: str
    issued_at: datetime
    claims: tuple[str, ...]
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ValidCertificate:
    """A certificate in status 01 naming a holder, as the store reads it to choose what
    an approval shares or to prove a guardian's relation."""

    identifier: str
    type_slug: str
    issuer_uscc: str
    issued_at: datetime
    fields: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Delegation:
    """An owner lets a delegate approve requests for the owner's certificates of one
    type (for one bundle item, or any when ``bundle_item`` is ``None``)."""

    id: str
    owner_code: str
    delegate_code: str
    type_slug: str
    bundle_item: str | None
    expires_at: datetime
    created_at: datetime
    revoked_at: datetime | None

    def active_at(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def covers(self, type_slug: str, bundle_item: str, now: datetime) -> bool:
        return (
            self.active_at(now)
            and self.type_slug == type_slug
            and self.bundle_item in (None, bundle_item)
        )


class SharePreparer(Protocol):
    """Called in the approval's transaction once a party has approved, with the
    certificates their approval shares, so the shares feature can issue each SD-JWT VC
    and its key-binding JWT now (``aud`` the client, ``nonce`` the request's). A holder
    whose key is on a device sends ``key_binding_signatures`` (certificate identifier ->
    base64url signature) with the approval. Raising rolls the approval back."""

    def prepare(
        self,
        conn: Connection,
        request: ConsentRequest,
        party_holder: str,
        certificates: Sequence[ChosenCertificate],
        now: datetime,
        *,
        key_binding_signatures: Mapping[str, str],
    ) -> None: ...


class NoSharePreparer:
    """Prepares nothing: the default until the shares feature is wired in."""

    def prepare(
        self,
        conn: Connection,
        request: ConsentRequest,
        party_holder: str,
        certificates: Sequence[ChosenCertificate],
        now: datetime,
        *,
        key_binding_signatures: Mapping[str, str],
    ) -> None:
        return None
