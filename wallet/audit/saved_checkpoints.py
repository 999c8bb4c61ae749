"""Checkpoints saved outside the database, to check the audit log against.

The log alone cannot tell a wiped log (entries, head and checkpoints all deleted) from
an empty one, nor notice checkpoint rows deleted: whoever can delete rows deletes the
evidence too. A copy of ``GET /audit/checkpoints`` kept elsewhere (by an auditor, a
service, a citizen) can: each saved checkpoint is a JWS the platform key signed, so it
cannot be forged, and the log must still hold the row it counts, with its hash.

A saved file is what the route answers: one page (``{"checkpoints": [...], ...}``), or
several pages in a JSON list; a bare list of checkpoint objects is accepted too. Only
each checkpoint's ``jws`` is trusted; its plain ``count`` names it in messages.
Framework-free.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from issuers.errors import InvalidInput, SignatureInvalid
from wallet.audit import chain

__all__ = ["SavedCheckpoint", "saved_checkpoints", "signed_hashes"]

MAX_SAVED = 1_000_000
_FIELD = "checkpoints"


@dataclass(frozen=True, slots=True)
class SavedCheckpoint:
    """One checkpoint as saved: its JWS, and the count it claims (to name it)."""

    claimed_count: int | None
    jws: str

    @property
    def name(self) -> str:
        return "?" if self.claimed_count is None else str(self.claimed_count)


def saved_checkpoints(document: Any) -> list[SavedCheckpoint]:
    """The checkpoints in a saved document; InvalidInput (field ``checkpoints``) when it
    is not a page of ``GET /audit/checkpoints``, a list of pages, or a list of them."""
    found: list[SavedCheckpoint] = []
    for item in _items(document):
        if not isinstance(item, dict) or not isinstance(item.get("jws"), str):
            raise InvalidInput("a saved checkpoint without its jws", field=_FIELD)
        count = item.get("count")
        claimed = count if isinstance(count, int) and not isinstance(count, bool) else None
        found.append(SavedCheckpoint(claimed, item["jws"]))
    if len(found) > MAX_SAVED:
        raise InvalidInput(f"give at most {MAX_SAVED} saved checkpoints", field=_FIELD)
    return found


def _items(document: Any) -> Iterator[Any]:
    for entry in document if isinstance(document, list) else [document]:
        if isinstance(entry, dict) and isinstance(entry.get(_FIELD), list):
            yield from entry[_FIELD]  # a page
        elif isinstance(document, list) and isinstance(entry, dict) and "jws" in entry:
            yield entry  # a bare checkpoint in a list
        else:
            raise InvalidInput(
                "not saved checkpoints: give GET /audit/checkpoints pages", field=_FIELD
            )


def signed_hashes(saved: Sequence[SavedCheckpoint], keys: chain.PlatformKeys) -> Mapping[int, str]:
    """count -> chain hash, from each saved JWS once it verifies with the platform key;
    SignatureInvalid naming the first that does not, or two that state different
    hashes for one count."""
    hashes: dict[int, str] = {}
    for one in saved:
        try:
            stated = chain.read_checkpoint(one.jws, keys)
        except SignatureInvalid:
            raise SignatureInvalid(
                f"saved checkpoint {one.name} does not verify with the platform key"
            ) from None
        count, digest = stated.get("count"), stated.get("hash")
        if not isinstance(count, int) or not isinstance(digest, str):
            raise SignatureInvalid(f"saved checkpoint {one.name} states no count/hash")
        if hashes.setdefault(count, digest) != digest:
            raise SignatureInvalid(f"saved checkpoints {count} state different hashes")
    return hashes
