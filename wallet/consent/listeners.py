"""Tell whoever waits on a request that a citizen decided it (after the commit).

A bundle application's workflow waits for every party's approval; rather than poll
the request, it is woken when a decision lands. The waiting feature registers a
callback (:meth:`wallet.consent.service.ConsentService.on_decision`); consent imports
nothing of it. A callback runs after the decision committed, so it cannot undo it; one
that fails is logged (no personal data) and the others still run: the waiter also
re-reads the request on a growing timeout, so a lost wake-up only delays it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from wallet.consent.citizen import CitizenConsent, RequestView
from wallet.consent.records import ConsentRequest

__all__ = ["DecisionListener", "ListenedCitizenConsent"]

DecisionListener = Callable[[ConsentRequest], None]
_log = logging.getLogger(__name__)


class ListenedCitizenConsent(CitizenConsent):
    """:class:`CitizenConsent` that calls its listeners after each decision."""

    listeners: list[DecisionListener] = []  # noqa: RUF012 - replaced per instance by the service

    def approve(
        self,
        citizen: str,
        request_id: str,
        *,
        on_behalf_of: str | None = None,
        key_binding_signatures: Mapping[str, str] | None = None,
    ) -> RequestView:
        view = super().approve(
            citizen,
            request_id,
            on_behalf_of=on_behalf_of,
            key_binding_signatures=key_binding_signatures,
        )
        return self._told(view)

    def deny(
        self, citizen: str, request_id: str, *, on_behalf_of: str | None = None
    ) -> RequestView:
        return self._told(super().deny(citizen, request_id, on_behalf_of=on_behalf_of))

    def revoke(
        self, citizen: str, grant_id: str, *, on_behalf_of: str | None = None
    ) -> RequestView:
        return self._told(super().revoke(citizen, grant_id, on_behalf_of=on_behalf_of))

    def _told(self, view: RequestView) -> RequestView:
        for listener in self.listeners:
            try:
                listener(view.request)
            except Exception:  # noqa: BLE001 - the decision stands; the waiter re-reads later
                _log.warning("a consent decision listener failed", exc_info=True)
        return view
