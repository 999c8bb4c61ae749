"""For whom a citizen may act on a request, and how: the one place this is decided.

* ``self``: the party is the citizen.
* ``guardian``: the party is a minor and a valid certificate proves the citizen is
  their parent (:mod:`wallet.consent.guardianship`). A guardian approves, denies and
  revokes.
* ``delegate``: the party's holder delegated to the citizen every type the party is
  asked for, for this bundle item or any, and the delegation is live. A delegate only
  approves; denying and revoking stay with the holder and their guardian.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from issuers.clock import CHINA_STANDARD_TIME
from wallet.consent.guardianship import is_minor, proven_children
from wallet.consent.ports import ConsentRecords
from wallet.consent.records import ConsentRequest, Delegation, Party, Via

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["GUARDIAN_PROOF_TYPES", "Standing", "standing_of"]

GUARDIAN_PROOF_TYPES = ("birth_medical", "household_register")


@dataclass(frozen=True, slots=True)
class Standing:
    """What one citizen may do for others at one instant."""

    citizen: str
    minors: frozenset[str]  # proven children who are minors now
    received: tuple[Delegation, ...]  # live delegations to the citizen

    @property
    def holders(self) -> frozenset[str]:
        """Every holder the citizen might act for (to find candidate requests)."""
        return frozenset({self.citizen, *self.minors, *(d.owner_code for d in self.received)})

    def via(self, party: Party, request: ConsentRequest, now: datetime) -> Via | None:
        """How the citizen may approve for ``party``, or None."""
        if party.holder_code == self.citizen:
            return "self"
        if party.holder_code in self.minors:
            return "guardian"
        if self.delegations_for(party, request, now):
            return "delegate"
        return None

    def may_decide_finally(self, party: Party) -> bool:
        """Deny or revoke: the holder or their guardian, never a delegate."""
        return party.holder_code == self.citizen or party.holder_code in self.minors

    def delegations_for(
        self, party: Party, request: ConsentRequest, now: datetime
    ) -> tuple[Delegation, ...]:
        """The delegations that together cover every type asked of ``party`` (empty
        unless all are covered)."""
        used: list[Delegation] = []
        for type_slug in party.asks:
            found = next(
                (
                    d
                    for d in self.received
                    if d.owner_code == party.holder_code
                    and d.covers(type_slug, request.bundle_item, now)
                ),
                None,
            )
            if found is None:
                return ()
            used.append(found)
        return tuple(dict.fromkeys(used))


def standing_of(records: ConsentRecords, conn: Connection, citizen: str, now: datetime) -> Standing:
    today = now.astimezone(CHINA_STANDARD_TIME).date()
    documents = [
        (c.type_slug, c.fields)
        for c in records.valid_certificates(conn, citizen, GUARDIAN_PROOF_TYPES, today)
    ]
    minors = frozenset(c for c in proven_children(documents, citizen) if is_minor(c, now))
    received: Sequence[Delegation] = [
        d
        for d in records.delegations_of(conn, citizen)
        if d.delegate_code == citizen and d.active_at(now)
    ]
    return Standing(citizen, minors, tuple(received))
