"""The bundle service: definitions, a citizen's applications, and (with the workflow
runtime, :mod:`wallet.bundles.engine`) creating, resolving, submitting and cancelling.

A citizen sees an application when they are its applicant or a holder of one of its
roles; any other application is :class:`~issuers.errors.NotFound`, the same answer as
one that does not exist.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from issuers.clock import Clock
from issuers.errors import (
    ApplicationClosed,
    EngineUnavailable,
    NotFound,
    TooManyApplications,
)
from wallet.bundles.consent_request import ConsentWithdrawing, withdraw_if_cancelled
from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.dispatch import CONSENT_TOPIC, SUBMIT_TOPIC, Dispatcher
from wallet.bundles.form import resolve, submission
from wallet.bundles.naming import named_holders
from wallet.bundles.records import (
    FINAL_STATES,
    ApplicationView,
    NewApplication,
    PresentedCredential,
    StoredApplication,
)
from wallet.bundles.views import application_view
from wallet.consent.ids import new_id
from wallet.consent.records import ConsentRequest

if TYPE_CHECKING:
    from wallet.bundles.store import BundleStore

__all__ = ["ApplicationLimits", "BundleService"]

_log = logging.getLogger("elicense.bundles")


OPEN_STATES = frozenset({"awaiting_consent", "verifying", "awaiting_submit", "processing"})
# Started and not carried through: still waiting for the other parties, or ended
# without them (a completed or rejected one was approved and submitted).
UNFINISHED_STATES = OPEN_STATES - {"processing"} | {"cancelled", "refused", "failed"}


@dataclass(frozen=True)
class ApplicationLimits:
    """How many applications of one bundle one applicant may file: each starts a
    workflow and sends consent requests into the other parties' wallets, so an
    anonymous-cost bound. ``open`` at once; ``recent``: not carried through (see
    UNFINISHED_STATES) among those filed within ``window``."""

    open: int = 3
    recent: int = 10
    window: timedelta = timedelta(days=1)


def _wake(dispatcher: Dispatcher, application_id: str, topic: str) -> None:
    """A wake-up only hurries a waiting workflow, which also polls the state it waits
    for: one that cannot be delivered delays the application, it loses nothing."""
    try:
        dispatcher.wake(application_id, topic)
    except EngineUnavailable:
        _log.warning("bundle application %s: %s wake-up not delivered", application_id, topic)


class BundleService:
    def __init__(
        self,
        store: BundleStore,
        definitions: Mapping[str, BundleDefinition],
        clock: Clock,
        dispatcher: Dispatcher | None = None,
        limits: ApplicationLimits = ApplicationLimits(),
        consent: ConsentWithdrawing | None = None,
    ) -> None:
        self.store = store
        self.consent = consent  # withdraws a cancelled application's consent request
        self.limits = limits
        self.definitions = definitions
        self._clock = clock
        self.dispatcher = dispatcher

    def use_dispatcher(self, dispatcher: Dispatcher) -> None:
        """The engine this process dispatches through (in-process runtime or client)."""
        self.dispatcher = dispatcher

    def _dispatch(self) -> Dispatcher:
        if self.dispatcher is None:
            raise ApplicationClosed("the bundle workflow engine is not running here")
        return self.dispatcher

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

    # -- the applicant's actions -------------------------------------------------------

    def create(
        self,
        citizen: str,
        code: str,
        holders: Mapping[str, str],
        presented: Sequence[PresentedCredential] = (),
    ) -> ApplicationView:
        """File an application: the citizen is the applicant role's holder, ``holders``
        names the other roles' (公民身份号码). Its workflow starts at once."""
        definition = self.definition(code)
        now = self._clock()
        named = named_holders(definition, citizen, holders, presented, now)
        new = NewApplication(
            id=new_id(),
            bundle=definition.bundle,
            bundle_version=definition.version,
            applicant_code=citizen,
            holders=named,
            presented=tuple(presented),
            created_at=now,
            items=tuple(i.code for i in definition.items),
        )
        dispatcher = self._dispatch()
        with self.store.writing() as conn:
            self._within_limits(conn, citizen, definition.bundle, now)
            self.store.insert_application(conn, new)
            self.store.add_event(conn, new.id, now, "created", f"已提交{definition.name_zh}申请")
        try:
            dispatcher.start(new.id)
        except EngineUnavailable:
            with self.store.writing() as conn:  # never left waiting for a workflow
                self.store.set_state(conn, new.id, "failed", finished_at=now)
                self.store.add_event(
                    conn, new.id, now, "failed", "办理系统暂不可用，申请未能启动，请稍后重试"
                )
            raise
        return self.view(citizen, new.id)

    def _within_limits(self, conn: Any, citizen: str, bundle: str, now: datetime) -> None:
        """TooManyApplications unless the applicant may file one more (race-safe: the
        applicant's lock is held until the insert commits)."""
        self.store.lock_applicant(conn, citizen)
        limits = self.limits
        open_now = self.store.count_applications(conn, citizen, bundle, OPEN_STATES)
        if open_now >= limits.open:
            raise TooManyApplications(
                f"you have {open_now} open applications of {bundle}: finish or withdraw one",
                field="code", details={"limit": "open", "max": limits.open, "bundle": bundle},
            )  # fmt: skip
        since = now - limits.window
        recent = self.store.count_applications(conn, citizen, bundle, UNFINISHED_STATES, since)
        if recent >= limits.recent:
            raise TooManyApplications(
                f"{recent} applications of {bundle} in the last day were not carried through",
                field="code", details={"limit": "recent", "max": limits.recent, "bundle": bundle},
            )  # fmt: skip

    def resolve(self, citizen: str, application_id: str, field: str, value: Any) -> ApplicationView:
        """The applicant keeps one value of a field the certificates disagree on."""
        with self.store.writing() as conn:
            application = self._own(conn, citizen, application_id, "awaiting_submit")
            definition = self.definitions[application.bundle]
            form, conflicts = resolve(
                definition, application.form, application.conflicts, field, value
            )
            self.store.set_form(conn, application_id, form, conflicts)
            self.store.add_event(
                conn, application_id, self._clock(), "resolved", f"申请人确认了{field}"
            )
        return self.view(citizen, application_id)

    def submit(
        self, citizen: str, application_id: str, typed: Mapping[str, Any]
    ) -> ApplicationView:
        """Submit the one form; FormConflict (409) while conflicts or required typed
        fields remain."""
        dispatcher = self._dispatch()
        now = self._clock()
        with self.store.writing() as conn:
            application = self._own(conn, citizen, application_id, "awaiting_submit")
            definition = self.definitions[application.bundle]
            values = submission(definition, application.form, application.conflicts, typed)
            self.store.set_submitted(conn, application_id, values, now)
            self.store.set_state(conn, application_id, "processing")
            self.store.add_event(
                conn, application_id, now, "submitted", "申请表已提交，各部门并联审批"
            )
        _wake(dispatcher, application_id, SUBMIT_TOPIC)
        return self.view(citizen, application_id)

    def cancel(self, citizen: str, application_id: str) -> ApplicationView:
        dispatcher = self._dispatch()
        now = self._clock()
        with self.store.writing() as conn:
            application = self._own(conn, citizen, application_id, None)
            if application.state in FINAL_STATES:
                raise ApplicationClosed(f"the application is {application.state}", field="id")
            self.store.set_state(conn, application_id, "cancelled", finished_at=now)
            for code in self.store.stop_waiting(conn, application_id, now):
                self.store.add_event(
                    conn, application_id, now, "item_stopped", "事项已停止办理", code
                )
            self.store.add_event(conn, application_id, now, "cancelled", "申请人撤回了申请")
        if not self._withdraw_consent(application_id):
            # Not cancelled in the engine: its workflow reads the state at its next step
            # and ends, withdrawing the request then (its last step); hurry it there.
            for topic in (CONSENT_TOPIC, SUBMIT_TOPIC):
                _wake(dispatcher, application_id, topic)
            return self.view(citizen, application_id)
        try:
            dispatcher.cancel(application_id)
        except EngineUnavailable:
            # Recorded cancelled: the workflow reads that at its next step and stops.
            _log.warning("bundle application %s: cancel not delivered", application_id)
        return self.view(citizen, application_id)

    def _withdraw_consent(self, application_id: str) -> bool:
        """Withdraw the cancelled application's consent request now, so no party's wallet
        shows it any more (idempotent). False when that failed."""
        if self.consent is None:
            return True
        try:
            withdraw_if_cancelled(
                self.store, self.definitions, self.consent, self._clock, application_id
            )
        except Exception:  # noqa: BLE001 - the cancel stands; the workflow withdraws later
            _log.warning("bundle application %s: consent request not withdrawn", application_id)
            return False
        return True

    def consent_decided(self, request: ConsentRequest) -> None:
        """The consent feature's decision listener: wake the application waiting on it."""
        if request.bundle_item not in self.definitions or self.dispatcher is None:
            return
        with self.store.reading() as conn:
            application_id = self.store.application_for_request(conn, request.id)
        if application_id is not None:
            _wake(self.dispatcher, application_id, CONSENT_TOPIC)

    def _own(
        self, conn: Any, citizen: str, application_id: str, state: str | None
    ) -> StoredApplication:
        application = self.store.application(conn, application_id, lock=True)
        if application is None or not self.store.is_party(conn, application_id, citizen):
            raise NotFound("no such application", field="id")
        if application.applicant_code != citizen:
            raise ApplicationClosed("only the applicant may do this", field="id")
        if state is not None and application.state != state:
            raise ApplicationClosed(f"the application is {application.state}", field="id")
        return application
