"""The errors of one-stop bundle applications (一件事). The tree is drawn in
:mod:`issuers.errors`."""

from __future__ import annotations

from issuers.errors._requests import Conflict

__all__ = ["ApplicationClosed", "FormConflict"]


class FormConflict(Conflict):
    """The one form cannot be submitted yet: two certificates disagree on a field and
    the applicant has not chosen, or a required typed field is missing. ``details``
    ``{"conflicts": [...], "missing": [...]}`` names the fields."""

    code = "form_conflict"


class ApplicationClosed(Conflict):
    """The application is not in a state that allows this (e.g. submitting before
    the certificates are verified, cancelling a completed one)."""

    code = "application_closed"
