"""The process's binding of services for the workflow steps.

DBOS is a process-wide singleton and calls module-level workflow functions, which
cannot be handed objects; so the runtime binds the gathering and processing services
here when it launches and clears them when it is destroyed. Nothing is bound at
import time: a step that runs without a launched runtime fails loudly.
"""

from __future__ import annotations

from dataclasses import dataclass

from wallet.bundles.gathering import Gathering
from wallet.bundles.processing import Processing

__all__ = ["Bound", "bind", "bound", "is_bound", "unbind"]


@dataclass(frozen=True)
class Bound:
    gathering: Gathering
    processing: Processing
    poll_seconds: float  # how often a waiting workflow polls for its children
    log_items: bool = False  # a line per item (the worker process)


_bound: Bound | None = None


def bind(services: Bound) -> None:
    global _bound
    _bound = services


def unbind() -> None:
    global _bound
    _bound = None


def bound() -> Bound:
    if _bound is None:
        raise RuntimeError("the bundle workflow runtime is not launched in this process")
    return _bound


def is_bound() -> bool:
    """Whether a runtime is launched in this process (its services are bound)."""
    return _bound is not None
