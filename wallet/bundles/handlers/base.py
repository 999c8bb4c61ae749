"""What a department handler is handed and what it may do.

A handler is a plain function ``(ItemContext, Minter) -> ItemOutcome``. It decides
(approve, or raise :class:`Rejected`, i.e. :class:`issuers.errors.ItemRejected`, with
a reason the citizen reads) and mints its item's outputs through the
:class:`Minter`. Every mint names a key unique to the application, the item and the
output; minting the same key again returns the
certificate minted the first time, so a step retried after a crash (the worker
killed after the mint committed but before the workflow recorded the step) never
mints twice. Handlers hold no state and read nothing but their context.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from issuers.errors import ItemRejected as Rejected
from wallet.bundles.definitions.schema import BundleDefinition, ItemDefinition

__all__ = ["Handler", "ItemContext", "ItemOutcome", "Minted", "Minter", "Rejected"]


@dataclass(frozen=True, slots=True)
class Minted:
    identifier: str
    type: str  # catalogue slug
    issuer_uscc: str
    holder_codes: tuple[str, ...]
    version: int = 1


@dataclass(frozen=True, slots=True)
class ItemContext:
    application_id: str
    bundle: BundleDefinition
    item: ItemDefinition
    form: Mapping[str, Any]  # the submitted one form, by field code
    # The verified certificates' claims: ``certificates[role][type]`` -> claims.
    certificates: Mapping[str, Mapping[str, Mapping[str, Any]]]
    # Each role's holder (公民身份号码), when the role has one yet.
    holders: Mapping[str, str]
    # What earlier items decided, by item code (e.g. the child's new 公民身份号码).
    facts: Mapping[str, Mapping[str, Any]]
    now: datetime

    def mint_key(self, output_index: int) -> str:
        """The idempotency key of this item's ``output_index``-th output."""
        return f"bundle:{self.application_id}:{self.item.code}:{output_index}"


class Minter(Protocol):
    def mint(
        self,
        key: str,
        type_slug: str,
        issuer_uscc: str,
        fields: Mapping[str, Any],
        *,
        valid_from: date | None = None,
    ) -> Minted:
        """Mint once per ``key``: a second call returns the first call's certificate."""
        ...

    def reissue(self, key: str, identifier: str, fields: Mapping[str, Any]) -> Minted:
        """Certificate ``identifier`` re-issued with ``fields`` as version + 1 (same
        serial); the old version becomes 05 失效. Once per ``key``."""
        ...

    def current(self, type_slug: str, holder: str) -> tuple[str, Mapping[str, Any]] | None:
        """The holder's valid certificate of this type (identifier, fields), if any."""
        ...


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    minted: Sequence[Minted] = ()
    # Facts dependants read, e.g. {"child_id_number": "310112202611300011"}.
    facts: Mapping[str, Any] = field(default_factory=dict)
    note_zh: str = ""  # what the department decided, for the timeline


class Handler(Protocol):
    def __call__(self, context: ItemContext, minter: Minter) -> ItemOutcome: ...
