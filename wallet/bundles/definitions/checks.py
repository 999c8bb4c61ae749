"""What pydantic cannot see in one definition: its references.

Each check raises :class:`~issuers.errors.BundleDefinitionError` naming the file and
the field path (``items.2.depends_on.0``), in the order a reader meets the parts:
roles, supplies, form, items. A definition that passes is one the engine can run:
every type is in the catalogue, every claim is a claim of its type, every role, form
field, item and handler named exists, the items form no cycle, and what a consent
request for an item (or the whole bundle) may ask covers what the supplies ask.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from pydantic import BaseModel

from issuers.catalogue import CATALOGUE, DepartmentKind
from issuers.codes.gb32100 import validate_uscc
from issuers.errors import BundleDefinitionError, InvalidInput
from wallet.bundles.definitions.paths import path_problem
from wallet.bundles.definitions.schema import (
    BundleDefinition,
    ClaimSource,
    FormField,
    ItemDefinition,
)

__all__ = ["check_definition"]

_DEPARTMENTS = frozenset(kind.value for kind in DepartmentKind)


class _Checker:
    def __init__(self, definition: BundleDefinition, file: str) -> None:
        self.definition = definition
        self.file = file
        self.roles = {role.code for role in definition.roles}
        self.fields = {field.code for field in definition.form}
        self.items = {item.code for item in definition.items}
        # (role, type) -> the claims the role's certificate supplies
        self.supplied: dict[tuple[str, str], frozenset[str]] = {}

    def fail(self, path: str, problem: str) -> BundleDefinitionError:
        return BundleDefinitionError(self.file, path, problem)

    def model(self, path: str, slug: str) -> type[BaseModel]:
        kind = CATALOGUE.get(slug)
        if kind is None:
            raise self.fail(path, f"unknown certificate type {slug!r}")
        return kind.model

    def role(self, path: str, code: str) -> None:
        if code not in self.roles:
            raise self.fail(path, f"unknown role {code!r}")

    def claims(self, path: str, slug: str, claims: Iterable[str]) -> None:
        known = self.model(path, slug).model_fields
        for index, claim in enumerate(claims):
            if claim not in known:
                raise self.fail(f"{path}.{index}", f"{claim!r} is not a claim of {slug}")


def check_definition(
    definition: BundleDefinition, file: str, handler_names: Collection[str] | None
) -> None:
    """Raise :class:`BundleDefinitionError` at the first broken reference.

    ``handler_names``: the department handlers that exist; None skips that check."""
    checker = _Checker(definition, file)
    _check_roles(checker)
    _check_supplies(checker)
    _check_form(checker)
    _unique(checker, "items", (item.code for item in definition.items), "item")
    for index, item in enumerate(definition.items):
        _check_item(checker, f"items.{index}", item, handler_names)
    _check_acyclic(checker)
    _check_supplies_are_asked(checker)


def _unique(checker: _Checker, part: str, codes: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for index, code in enumerate(codes):
        if code in seen:
            raise checker.fail(f"{part}.{index}.code", f"{what} {code!r} is defined twice")
        seen.add(code)


def _check_roles(checker: _Checker) -> None:
    roles = checker.definition.roles
    _unique(checker, "roles", (role.code for role in roles), "role")
    applicants = [role.code for role in roles if role.applicant]
    if len(applicants) != 1:
        raise checker.fail("roles", f"exactly one role is the applicant, not {len(applicants)}")
    for index, role in enumerate(roles):
        for g, guardian in enumerate(role.guardian_roles):
            path = f"roles.{index}.guardian_roles.{g}"
            checker.role(path, guardian)
            if guardian == role.code:
                raise checker.fail(path, f"role {guardian!r} cannot be its own guardian")


def _check_supplies(checker: _Checker) -> None:
    for index, supply in enumerate(checker.definition.supplies):
        path = f"supplies.{index}"
        checker.role(f"{path}.role", supply.role)
        checker.model(f"{path}.type", supply.type)
        checker.claims(f"{path}.claims", supply.type, supply.claims)
        key = (supply.role, supply.type)
        if key in checker.supplied:
            raise checker.fail(path, f"role {supply.role!r} already supplies {supply.type}")
        checker.supplied[key] = frozenset(supply.claims)


def _check_form(checker: _Checker) -> None:
    _unique(checker, "form", (field.code for field in checker.definition.form), "form field")
    for index, field in enumerate(checker.definition.form):
        _check_field(checker, f"form.{index}", field)


def _check_field(checker: _Checker, path: str, field: FormField) -> None:
    if bool(field.sources) == (field.typed is not None):
        raise checker.fail(path, "give exactly one of sources and typed")
    if field.typed is not None and (field.typed.kind == "choice") != bool(field.typed.choices):
        raise checker.fail(f"{path}.typed.choices", "choices are given for kind choice only")
    for index, source in enumerate(field.sources):
        _check_source(checker, f"{path}.sources.{index}", source)


def _check_source(checker: _Checker, path: str, source: ClaimSource) -> None:
    checker.role(f"{path}.role", source.role)
    model = checker.model(f"{path}.type", source.type)
    problem = path_problem(model, source.claim)
    if problem is not None:
        raise checker.fail(f"{path}.claim", problem)
    supplied = checker.supplied.get((source.role, source.type))
    if supplied is None:
        raise checker.fail(path, f"role {source.role!r} supplies no {source.type}")
    top = source.claim.split(".", 1)[0].split("[", 1)[0]
    if top not in supplied:
        raise checker.fail(
            f"{path}.claim",
            f"{top!r} is not among the claims {source.role}'s {source.type} supplies",
        )


def _check_item(
    checker: _Checker, path: str, item: ItemDefinition, handler_names: Collection[str] | None
) -> None:
    if item.code == checker.definition.bundle:
        raise checker.fail(f"{path}.code", f"item {item.code!r} has the bundle's code")
    if item.department not in _DEPARTMENTS:
        raise checker.fail(f"{path}.department", f"unknown department kind {item.department!r}")
    if handler_names is not None and item.handler not in handler_names:
        raise checker.fail(f"{path}.handler", f"no department handler {item.handler!r}")
    for index, code in enumerate(item.inputs):
        if code not in checker.fields:
            raise checker.fail(f"{path}.inputs.{index}", f"unknown form field {code!r}")
    for index, code in enumerate(item.depends_on):
        if code not in checker.items:
            raise checker.fail(f"{path}.depends_on.{index}", f"unknown item {code!r}")
        if code == item.code:
            raise checker.fail(f"{path}.depends_on.{index}", "an item cannot depend on itself")
    for index, output in enumerate(item.outputs):
        where = f"{path}.outputs.{index}"
        checker.model(f"{where}.type", output.type)
        checker.role(f"{where}.holder_role", output.holder_role)
        _check_uscc(checker, f"{where}.issuer", output.issuer)
        if output.mode == "reissue" and (output.holder_role, output.type) not in checker.supplied:
            raise checker.fail(
                f"{where}.mode",
                f"reissue needs role {output.holder_role!r} to supply its {output.type}",
            )
    for slug, claims in item.certificates.items():
        where = f"{path}.certificates.{slug}"
        checker.claims(where, slug, claims)
        offered = _offered(checker, slug)
        for index, claim in enumerate(claims):
            if claim not in offered:
                raise checker.fail(f"{where}.{index}", f"no role supplies {slug} claim {claim!r}")


def _check_uscc(checker: _Checker, path: str, uscc: str) -> None:
    try:
        validate_uscc(uscc)
    except InvalidInput as exc:
        raise checker.fail(path, exc.message) from None


def _offered(checker: _Checker, slug: str) -> frozenset[str]:
    found: set[str] = set()
    for (_, kind), claims in checker.supplied.items():
        if kind == slug:
            found |= claims
    return frozenset(found)


def _check_supplies_are_asked(checker: _Checker) -> None:
    """A supply's claims must be within some item's ``certificates``: the one consent
    request per application asks them for the bundle item, whose allowance is the
    union of its items' (:mod:`wallet.consent.items`); more would be refused."""
    allowed: dict[str, set[str]] = {}
    for item in checker.definition.items:
        for slug, claims in item.certificates.items():
            allowed.setdefault(slug, set()).update(claims)
    for index, supply in enumerate(checker.definition.supplies):
        for c, claim in enumerate(supply.claims):
            if claim not in allowed.get(supply.type, set()):
                raise checker.fail(
                    f"supplies.{index}.claims.{c}",
                    f"no item's certificates allow {supply.type} claim {claim!r}",
                )


def _check_acyclic(checker: _Checker) -> None:
    """Depth-first search; a cycle is named from the item where it closes."""
    items = checker.definition.items
    position = {item.code: index for index, item in enumerate(items)}
    needs: dict[str, tuple[str, ...]] = {item.code: item.depends_on for item in items}
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(code: str, trail: list[str]) -> None:
        state[code] = 1
        for d, dependency in enumerate(needs[code]):
            if state.get(dependency) == 1:
                cycle = " -> ".join([*trail[trail.index(dependency) :], code, dependency])
                raise checker.fail(
                    f"items.{position[code]}.depends_on.{d}", f"dependency cycle: {cycle}"
                )
            if dependency not in state:
                visit(dependency, [*trail, code])
        state[code] = 2

    for item in items:
        if item.code not in state:
            visit(item.code, [])
