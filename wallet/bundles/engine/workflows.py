"""The durable workflows: one per application, one per item (DBOS Transact).

``bundle_application`` (enqueued on :data:`APPLICATION_QUEUE`, so any worker process
runs it; its workflow id is the application id)::

    request_consent ─► [recv "consent" ⇄ consent_state]* ─► gather ─►
    [recv "submit" ⇄ submitted]* ─► dispatch items ─► finish

A wait is ``DBOS.recv`` with a timeout growing from 1 s to 30 minutes, and never past
the deadline (the consent request's expiry; the definition's ``submit_within_days``
after filing, when the application lapses), each time followed by a step that reads
the state: a wake-up (:data:`CONSENT_TOPIC` when a party decides, :data:`SUBMIT_TOPIC`
when the applicant submits; both durable messages) ends it at once, a lost one only
delays it, and a cancel ends it at the next read. So a wait records about three steps
(the read, the recv and its sleep) per half hour and ends by its deadline: a week's
wait for consent is some 1,000 step rows, not one a second forever. Every value that
decides the path (states, deadlines, the clock, the items ready) comes from a step, so
a replay after recovery takes the recorded path. Items are child workflows
``bundle_item`` (id
``<application>.<item>``) on :data:`ITEM_QUEUE`, whose global concurrency limits how
many items run at once across every worker; the parent enqueues every item whose
dependencies are done, waits for the first to finish (``DBOS.wait_first``) and enqueues
what became ready. After a rejection nothing new starts, items not started become
``stopped``, running ones finish, and the application ends ``rejected``. A workflow
that ends ``cancelled`` or ``lapsed`` withdraws the application's consent request
(``bundle.withdraw_consent``; a cancel by the applicant withdrew it already, and the
step changes nothing then).

Every step reads and writes through the services bound by the runtime
(:mod:`wallet.bundles.engine.binding`); the workflow's arguments and results hold ids
and states only, no personal data. A step meeting the database restarting waits and
runs again (:mod:`wallet.bundles.engine.patience`) rather than failing the application.
"""

from __future__ import annotations

import logging

from dbos import DBOS, SetWorkflowID, WorkflowHandle

from wallet.bundles.dispatch import CONSENT_TOPIC, SUBMIT_TOPIC
from wallet.bundles.engine.binding import bound
from wallet.bundles.engine.patience import patiently

__all__ = [
    "APPLICATION_QUEUE",
    "CONSENT_TOPIC",
    "ITEM_QUEUE",
    "SUBMIT_TOPIC",
    "application_workflow",
    "item_workflow",
]

APPLICATION_QUEUE = "bundle_applications"
ITEM_QUEUE = "bundle_items"
FIRST_WAIT_S = 1.0
LONGEST_WAIT_S = 1800.0  # a wake-up lost (never sent) delays a waiting application this long

_log = logging.getLogger("elicense.bundles")


@DBOS.step(name="bundle.request_consent")
def _request_consent(application_id: str) -> str | None:
    return patiently(lambda: bound().gathering.request_consent(application_id))


@DBOS.step(name="bundle.consent_state")
def _consent_state(application_id: str) -> tuple[str, float]:
    return patiently(lambda: bound().gathering.consent_state(application_id))


@DBOS.step(name="bundle.refuse")
def _refuse(application_id: str) -> None:
    patiently(lambda: bound().gathering.refuse(application_id))


@DBOS.step(name="bundle.withdraw_consent")
def _withdraw_consent(application_id: str) -> bool:
    return patiently(lambda: bound().gathering.withdraw_consent(application_id))


@DBOS.step(name="bundle.gather")
def _gather(application_id: str) -> str:
    return patiently(lambda: bound().gathering.gather(application_id))


@DBOS.step(name="bundle.submitted")
def _submitted(application_id: str) -> tuple[str, float]:
    return patiently(lambda: bound().processing.submitted(application_id))


@DBOS.step(name="bundle.ready")
def _ready(application_id: str, started: list[str]) -> list[str]:
    return patiently(lambda: bound().processing.ready(application_id, started))


@DBOS.step(name="bundle.stop_waiting")
def _stop_waiting(application_id: str) -> None:
    patiently(lambda: bound().processing.stop_waiting(application_id))


@DBOS.step(name="bundle.fail_item")
def _fail_item(application_id: str, item_code: str) -> None:
    patiently(lambda: bound().processing.fail_item(application_id, item_code))


@DBOS.step(name="bundle.finish")
def _finish(application_id: str) -> str:
    return patiently(lambda: bound().processing.finish(application_id))


@DBOS.step(name="bundle.run_item", retries_allowed=True, max_attempts=3, interval_seconds=0.5)
def _run_item(application_id: str, item_code: str) -> str:
    outcome = patiently(lambda: bound().processing.run_item(application_id, item_code))
    if bound().log_items:
        _log.info("bundle application %s item %s: %s", application_id, item_code, outcome)
    return outcome


@DBOS.workflow(name="bundle_item")
def item_workflow(application_id: str, item_code: str) -> str:
    return _run_item(application_id, item_code)


def _note(application_id: str, state: str) -> str:
    """A line per state change in a worker's log (ids and states only); a replay after
    recovery may say a line again."""
    if bound().log_items:
        _log.info("bundle application %s: %s", application_id, state)
    return state


@DBOS.workflow(name="bundle_application")
def application_workflow(application_id: str) -> str:
    outcome = _application(application_id)
    if outcome in ("cancelled", "lapsed"):  # its consent request has no use left
        _withdraw_consent(application_id)
    return outcome


def _application(application_id: str) -> str:
    _note(application_id, "started")
    if _request_consent(application_id) is not None:
        _note(application_id, "awaiting_consent")
        wait = FIRST_WAIT_S
        state, left = _consent_state(application_id)
        while state == "pending":
            DBOS.recv(CONSENT_TOPIC, timeout_seconds=min(wait, left))
            wait = min(wait * 2, LONGEST_WAIT_S)
            state, left = _consent_state(application_id)
        if state == "cancelled":
            return _note(application_id, "cancelled")
        if state == "refused":
            _refuse(application_id)
            return _note(application_id, "refused")
    gathered = _gather(application_id)
    if gathered != "gathered":
        return _note(application_id, gathered)  # failed or cancelled
    _note(application_id, "awaiting_submit")
    wait = FIRST_WAIT_S
    submitted, left = _submitted(application_id)
    while submitted == "waiting":
        DBOS.recv(SUBMIT_TOPIC, timeout_seconds=min(wait, left))
        wait = min(wait * 2, LONGEST_WAIT_S)
        submitted, left = _submitted(application_id)
    if submitted != "submitted":
        return _note(application_id, submitted)  # cancelled or lapsed
    _note(application_id, "processing")
    return _note(application_id, _dispatch(application_id))


def _dispatch(application_id: str) -> str:
    queue = DBOS.retrieve_queue(ITEM_QUEUE)
    assert queue is not None, "the runtime registers the item queue at launch"
    started: list[str] = []
    running: dict[str, WorkflowHandle[str]] = {}
    stopping = False
    while True:
        if not stopping:
            for code in _ready(application_id, started):
                with SetWorkflowID(f"{application_id}.{code}"):
                    running[code] = queue.enqueue(item_workflow, application_id, code)
                started.append(code)
        if not running:
            break
        first = DBOS.wait_first(list(running.values()), polling_interval_sec=bound().poll_seconds)
        code = next(c for c, h in running.items() if h.workflow_id == first.workflow_id)
        del running[code]
        try:
            outcome = first.get_result()
        except Exception:  # noqa: BLE001 - the item's step failed 3 times: not a decision
            _log.warning("bundle application %s item %s failed", application_id, code)
            _fail_item(application_id, code)
            outcome = "rejected"
        if outcome == "rejected" and not stopping:
            stopping = True
            _stop_waiting(application_id)
    return _finish(application_id)
