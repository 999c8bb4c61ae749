"""What a ``sync`` did, item by item: stored, skipped (and why) or failed (and why)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Outcome = Literal["stored", "skipped", "failed"]


@dataclass(frozen=True, slots=True)
class SyncItem:
    server: str
    kind: str  # "anchors" | "trust_list" | "status_lists" | "status_list" | "sync"
    name: str  # the region code or the status list URI
    outcome: Outcome
    code: str | None = None
    message: str | None = None


@dataclass
class SyncReport:
    items: list[SyncItem] = field(default_factory=list)

    def of(self, outcome: Outcome) -> list[SyncItem]:
        return [item for item in self.items if item.outcome == outcome]

    def to_dict(self) -> dict[str, Any]:
        counts = {outcome: len(self.of(outcome)) for outcome in ("stored", "skipped", "failed")}
        return {**counts, "items": [asdict(item) for item in self.items]}
