"""Which certificates and claims a pull takes: what the service names, checked against
the grant, or everything granted when it names nothing.

Each refusal has its own code and names the field (``certificates[1].claims[0]``):
a holder the grant does not name is :class:`HolderNotGranted`, a type not asked of
that holder :class:`TypeNotGranted`, a claim not asked for that type
:class:`ClaimNotGranted`. Nothing is disclosed either way. An empty list (of
certificates, or of one certificate's claims) is :class:`InvalidInput`: it would take
one of the citizens' uses for nothing shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from issuers.errors import ClaimNotGranted, HolderNotGranted, InvalidInput, TypeNotGranted
from wallet.consent.records import Grant
from wallet.consent.share_records import WantedCertificate

__all__ = ["MAX_WANTED", "Selected", "select"]

MAX_WANTED = 80  # ten holders of eight types each: the most a request can name


@dataclass(frozen=True, slots=True)
class Selected:
    holder: str
    type_slug: str
    claims: frozenset[str]


def select(grant: Grant, wanted: Sequence[WantedCertificate] | None) -> list[Selected]:
    """The (holder, type, claims) to share, in the grant's order when nothing is named."""
    if wanted is None:
        return [
            Selected(party.holder_code, slug, frozenset(claims))
            for party in sorted(grant.parties, key=lambda p: p.position)
            for slug, claims in party.asks.items()
        ]
    if not 1 <= len(wanted) <= MAX_WANTED:
        # An empty selection would take one of the citizens' uses for nothing shared.
        raise InvalidInput(
            f"a pull names 1 to {MAX_WANTED} certificates, or omits the list", field="certificates"
        )
    chosen: dict[tuple[str, str], Selected] = {}
    for i, want in enumerate(wanted):
        field = f"certificates[{i}]"
        party = grant.party(want.holder.upper())
        if party is None:
            raise HolderNotGranted("the grant does not name this holder", field=f"{field}.holder")
        asked = party.asks.get(want.type_slug)
        if asked is None:
            raise TypeNotGranted("this type was not granted for the holder", field=f"{field}.type")
        if want.claims is not None and not want.claims:
            raise InvalidInput("name at least one claim, or omit the list", field=f"{field}.claims")
        claims = frozenset(asked) if want.claims is None else frozenset(want.claims)
        for j, claim in enumerate(want.claims or ()):
            if claim not in asked:
                raise ClaimNotGranted(
                    "this claim was not granted for the type", field=f"{field}.claims[{j}]"
                )
        key = (party.holder_code, want.type_slug)
        if key in chosen:
            raise InvalidInput("this certificate is named twice", field=field)
        chosen[key] = Selected(party.holder_code, want.type_slug, claims)
    return list(chosen.values())
