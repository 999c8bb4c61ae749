"""The errors of one-stop bundle applications (一件事). The tree is drawn in
:mod:`issuers.errors`."""

from __future__ import annotations

from issuers.errors._requests import Conflict, ElicenseError

__all__ = [
    "ApplicationClosed",
    "EngineUnavailable",
    "FormConflict",
    "ItemRejected",
    "RuntimeDestroyed",
    "TooManyApplications",
]


class FormConflict(Conflict):
    """The one form cannot be submitted yet: two certificates disagree on a field and
    the applicant has not chosen, or a required typed field is missing. ``details``
    ``{"conflicts": [...], "missing": [...]}`` names the fields."""

    code = "form_conflict"


class ApplicationClosed(Conflict):
    """The application is not in a state that allows this (e.g. submitting before
    the certificates are verified, cancelling a completed one)."""

    code = "application_closed"


class TooManyApplications(Conflict):
    """The applicant already has as many applications of this bundle as one person
    may: open at once, or started and not carried through within a day (each sends
    consent requests to the other parties' wallets). ``details`` ``{"limit": "open" |
    "recent", "max": N, "bundle": code}`` names the limit."""

    code = "too_many_applications"


class EngineUnavailable(ElicenseError):
    """The bundle workflow engine (DBOS's system database) cannot be reached: the
    application could not be started. Nothing was lost; try again later."""

    code = "engine_unavailable"
    status = 503
    retry_after = 2


class ItemRejected(Exception):
    """A department's handler refuses a bundle item (``code``, e.g.
    ``driving_experience_short``; ``reason_zh``, shown to the citizen). It never leaves
    the workflow: the item is recorded rejected with the reason, the items not started
    stop, and the application ends rejected naming the item."""

    def __init__(self, code: str, reason_zh: str) -> None:
        super().__init__(f"{code}: {reason_zh}")
        self.code = code
        self.reason_zh = reason_zh


class RuntimeDestroyed(RuntimeError):
    """A thread of a destroyed bundle workflow runtime tried to reach its database
    (:mod:`wallet.bundles.engine.shutdown`): the thread ends, its workflow stays as
    recorded for the next launch to recover."""
