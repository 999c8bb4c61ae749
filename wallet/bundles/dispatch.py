"""What the bundle service needs of the workflow engine, framework-free: start, wake
and cancel an application's workflow, and the topics a waiting workflow listens on.
:mod:`wallet.bundles.engine` implements it on DBOS Transact."""

from __future__ import annotations

from typing import Protocol

__all__ = ["CONSENT_TOPIC", "SUBMIT_TOPIC", "Dispatcher"]

CONSENT_TOPIC = "consent"  # a party decided the application's consent request
SUBMIT_TOPIC = "submit"  # the applicant submitted the form


class Dispatcher(Protocol):
    def start(self, application_id: str) -> None: ...
    def wake(self, application_id: str, topic: str) -> None: ...
    def cancel(self, application_id: str) -> None: ...
