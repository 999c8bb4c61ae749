"""The bundle service: definitions, a citizen's applications, and (with the workflow
runtime, :mod:`wallet.bundles.engine`) creating, resolving, submitting and cancelling.

A citizen sees an application when they are its applicant or a holder of one of its
roles; any other application is :class:`~issuers.errors.NotFound`, the same answer as
one that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping

from issuers.clock import Clock
from issuers.errors import NotFound
from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.records import ApplicationView, StoredApplication
from wallet.bundles.store import BundleStore
from wallet.bundles.views import application_view

__all__ = ["BundleService"]


class BundleService:
    def __init__(
        self,
        store: BundleStore,
        definitions: Mapping[str, BundleDefinition],
        clock: Clock,
    ) -> None:
        self.store = store
        self.definitions = definitions
        self._clock = clock

    # -- definitions --------------------------------------------------------------------

    def list_definitions(self) -> list[BundleDefinition]:
        return [self.definitions[code] for code in sorted(self.definitions)]

    def definition(self, code: str) -> BundleDefinition:
        found = self.definitions.get(code)
        if found is None:
            raise NotFound("no such bundle", field="code")
        return found

    # -- reading ------------------------------------------------------------------------

    def applications_of(self, citizen: str) -> list[StoredApplication]:
        """Applications the citizen filed or is a party of, newest first."""
        with self.store.reading() as conn:
            return self.store.applications_naming(conn, citizen)

    def view(self, citizen: str, application_id: str) -> ApplicationView:
        """The application with its items and timeline, if ``citizen`` is party to it."""
        with self.store.reading() as conn:
            application = self.store.application(conn, application_id)
            if application is None or not self.store.is_party(conn, application_id, citizen):
                raise NotFound("no such application", field="id")
            items = self.store.items(conn, application_id)
            timeline = self.store.events(conn, application_id)
        return application_view(
            self.definitions.get(application.bundle), application, items, timeline
        )

    def view_any(self, application_id: str) -> ApplicationView:
        """The application for the platform itself (workers, operators): no party check."""
        with self.store.reading() as conn:
            application = self.store.application(conn, application_id)
            if application is None:
                raise NotFound("no such application", field="id")
            items = self.store.items(conn, application_id)
            timeline = self.store.events(conn, application_id)
        return application_view(
            self.definitions.get(application.bundle), application, items, timeline
        )
