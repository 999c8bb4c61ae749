"""Who may hold which role of a new application: the checks made before anything is
stored or any consent request goes out.

* Every named role is one of the bundle's, not the applicant's (the applicant is the
  signed-in citizen) and supplies some certificate: a role nothing verifies cannot be
  named (the newborn's 公民身份号码 is assigned by 出生登记, never typed by a parent,
  else the child's certificates would be minted onto whoever's number was typed).
* One person holds one role: naming yourself (or one person twice) as another party
  would let one approval stand for two people's.
* A minor (民法典 第十七条) holds only a role a guardian consents for
  (``guardian_roles``): a minor cannot consent for themselves (第十九条), and a parent
  approving "for" their own child named as the other parent would consent twice.
* Each role whose certificates no presented credential supplies is named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from issuers.codes import parse_resident_id
from issuers.errors import Forbidden, InvalidInput
from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.records import PresentedCredential
from wallet.consent.guardianship import is_minor

__all__ = ["named_holders"]


def named_holders(
    definition: BundleDefinition,
    applicant: str,
    holders: Mapping[str, str],
    presented: Sequence[PresentedCredential],
    now: datetime,
) -> dict[str, str]:
    """role -> 公民身份号码 for every party, the applicant's role first; refusals are
    InvalidInput (422) naming ``holders.<role>`` or ``presented[i]``, and Forbidden
    (403) for a minor applicant."""
    roles = {r.code: r for r in definition.roles}
    applicant_role = next(r.code for r in definition.roles if r.applicant)
    supplied = {s.role for s in definition.supplies}
    if is_minor(applicant, now) and not roles[applicant_role].guardian_roles:
        raise Forbidden(f"a minor cannot file {definition.name_zh} (民法典 第十九条)")
    named = {applicant_role: applicant}
    for role, id_number in holders.items():
        field = f"holders.{role}"
        if role not in roles or role == applicant_role:
            raise InvalidInput(f"{role!r} is not a role to name here", field=field)
        if role not in supplied:
            raise InvalidInput(f"the {role}'s holder is not named by the applicant", field=field)
        number = parse_resident_id(id_number, field=field).value
        if number in named.values():
            raise InvalidInput("one person holds one role of an application", field=field)
        if is_minor(number, now) and not roles[role].guardian_roles:
            raise InvalidInput(f"a minor cannot be the {role}", field=field)
        named[role] = number
    for index, shown in enumerate(presented):
        supply = next(
            (s for s in definition.supplies if (s.role, s.type) == (shown.role, shown.type_slug)),
            None,
        )
        if supply is None or not supply.cross_region:
            raise InvalidInput(
                "this certificate may not be presented from another region",
                field=f"presented[{index}]",
            )
    shown_pairs = {(p.role, p.type_slug) for p in presented}
    for supply in definition.supplies:
        if (
            supply.role not in named
            and not supply.optional
            and (supply.role, supply.type) not in shown_pairs
        ):
            raise InvalidInput(f"name the {supply.role}'s holder", field=f"holders.{supply.role}")
    return named
