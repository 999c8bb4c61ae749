"""The second half of an application's workflow: the items, each a department's step.

:meth:`Processing.ready` says which items may start (every dependency done, not
started yet); :meth:`Processing.run_item` is the ONE step of an item's workflow: mark
it running, call its handler with the submitted form, the verified claims, the
parties and earlier items' facts, and record ``done`` with the outputs minted and the
facts decided, or ``rejected`` with the department's reason. Minting is idempotent per
key (:meth:`~wallet.bundles.handlers.base.ItemContext.mint_key`), so a step run again
after a crash between the mint and the record mints nothing twice.

Failpoints (test only, ``ELICENSE_FAILPOINTS``): ``before_item:<code>`` at the start
of the item's step, ``after_mint:<code>`` after the handler returned and before the
step is recorded (:mod:`wallet.bundles.engine.failpoints`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from issuers.clock import Clock
from issuers.metrics import NOTHING, Recorder
from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.handlers.base import Handler, ItemContext, Minter, Rejected
from wallet.bundles.records import ItemView, StoredApplication

if TYPE_CHECKING:
    from wallet.bundles.store import BundleStore

__all__ = ["Processing", "ProcessingServices"]

MAX_NOTE = 400


@dataclass(frozen=True)
class ProcessingServices:
    store: BundleStore
    definitions: Mapping[str, BundleDefinition]
    handlers: Mapping[str, Handler]
    minter: Minter
    clock: Clock
    failpoint: Callable[[str, str], None]  # (point, item code); does nothing unless set
    metrics: Recorder = NOTHING  # an item's started, succeeded, rejected, failed


class Processing:
    def __init__(self, services: ProcessingServices) -> None:
        self._s = services

    def _load(self, application_id: str) -> tuple[StoredApplication, list[ItemView]]:
        with self._s.store.reading() as conn:
            application = self._s.store.application(conn, application_id)
            items = self._s.store.items(conn, application_id)
        assert application is not None, "the workflow runs only for a stored application"
        return application, items

    def submitted(self, application_id: str) -> tuple[str, float]:
        """(``submitted``, ``waiting``, ``cancelled`` or ``lapsed``; the seconds left to
        submit). Once the definition's ``submit_within_days`` since filing have passed
        without a submission, the application lapses: cancelled, as the law has it when
        the applicant does not complete an application in time (视为撤回申请)."""
        application, _ = self._load(application_id)
        if application.submitted_form is not None:
            return "submitted", 0.0
        if application.state != "awaiting_submit":
            return "cancelled", 0.0
        days = self._s.definitions[application.bundle].submit_within_days
        now = self._s.clock()
        left = (application.created_at + timedelta(days=days) - now).total_seconds()
        if left > 0:
            return "waiting", left
        reason = f"逾期未提交申请表（{days}日内），视为撤回申请"
        with self._s.store.writing() as conn:
            lapsed = self._s.store.set_state(
                conn, application_id, "cancelled", only_from=("awaiting_submit",),
                finished_at=now, failure_reason=reason,
            )  # fmt: skip
            if lapsed:
                self._s.store.add_event(conn, application_id, now, "lapsed", reason)
        return ("lapsed", 0.0) if lapsed else self.submitted(application_id)

    def ready(self, application_id: str, started: list[str]) -> list[str]:
        """Items whose dependencies are all done and that are not started yet."""
        application, items = self._load(application_id)
        definition = self._s.definitions[application.bundle]
        done = {i.code for i in items if i.state == "done"}
        waiting = {i.code for i in items if i.state == "waiting"}
        return [
            item.code
            for item in definition.items
            if item.code in waiting
            and item.code not in started
            and all(dependency in done for dependency in item.depends_on)
        ]

    def run_item(self, application_id: str, item_code: str) -> str:
        """``done``, ``rejected``, or ``stopped`` when the item may not run (the
        application was cancelled, or the item stopped, before it started)."""
        self._s.failpoint("before_item", item_code)
        application, items = self._load(application_id)
        definition = self._s.definitions[application.bundle]
        item = next(i for i in definition.items if i.code == item_code)
        recorded = next(i for i in items if i.code == item_code)
        if recorded.state in ("done", "rejected"):
            return recorded.state  # decided and recorded before a crash: run nothing again
        now = self._s.clock()
        with self._s.store.writing() as conn:
            current = self._s.store.application(conn, application_id, lock=True)
            if current is None or current.state != "processing":
                return "stopped"
            if not self._s.store.start_item(conn, application_id, item_code, now):
                return "stopped"
            if recorded.state == "waiting":
                self._s.store.add_event(
                    conn, application_id, now, "item_started",
                    f"{item.department_name_zh}开始办理{item.name_zh}", item_code,
                )  # fmt: skip
        self._s.metrics.bundle_item(application.bundle, item_code, "started")
        context = ItemContext(
            application_id=application_id,
            bundle=definition,
            item=item,
            form=dict(application.submitted_form or {}),
            certificates=application.certificates(),
            holders=dict(application.holders),
            facts={i.code: dict(i.facts) for i in items if i.state == "done"},
            now=now,
        )
        handler = self._s.handlers[item.handler]
        try:
            outcome = handler(context, self._s.minter)
        except Rejected as rejected:
            self._reject(application_id, item_code, item.name_zh, rejected)
            self._s.metrics.bundle_item(application.bundle, item_code, "rejected")
            return "rejected"
        self._s.failpoint("after_mint", item_code)
        finished = self._s.clock()
        outputs: list[dict[str, Any]] = [
            {"identifier": m.identifier, "type": m.type, "issuer": m.issuer_uscc,
             "holders": list(m.holder_codes), "version": m.version}
            for m in outcome.minted
        ]  # fmt: skip
        with self._s.store.writing() as conn:
            self._s.store.update_item(
                conn, application_id, item_code, state="done", finished_at=finished,
                outputs=outputs, facts=dict(outcome.facts), note=outcome.note_zh[:MAX_NOTE] or None,
            )  # fmt: skip
            text = f"{item.name_zh}办结" + (f"：{outcome.note_zh}" if outcome.note_zh else "")
            if outputs:
                text += f"，{len(outputs)}份电子证照已发放至卡包"
            self._s.store.add_event(conn, application_id, finished, "item_done", text, item_code)
        self._s.metrics.bundle_item(application.bundle, item_code, "succeeded")
        return "done"

    def _reject(
        self, application_id: str, item_code: str, name_zh: str, rejected: Rejected
    ) -> None:
        now = self._s.clock()
        reason = rejected.reason_zh[:MAX_NOTE]
        with self._s.store.writing() as conn:
            self._s.store.update_item(
                conn, application_id, item_code, state="rejected", finished_at=now, note=reason
            )
            self._s.store.add_event(
                conn, application_id, now, "item_rejected", f"{name_zh}未通过：{reason}", item_code
            )

    def stop_waiting(self, application_id: str) -> None:
        now = self._s.clock()
        with self._s.store.writing() as conn:
            for code in self._s.store.stop_waiting(conn, application_id, now):
                self._s.store.add_event(
                    conn, application_id, now, "item_stopped", "事项已停止办理", code
                )

    def fail_item(self, application_id: str, item_code: str) -> None:
        """An item whose step raised (not a department's decision): recorded as rejected
        with a neutral reason; the error itself is in the worker's log."""
        with self._s.store.writing() as conn:
            self._s.store.update_item(
                conn, application_id, item_code, state="rejected",
                finished_at=self._s.clock(), note="系统处理异常",
            )  # fmt: skip
        self._s.metrics.bundle_item(self._load(application_id)[0].bundle, item_code, "failed")

    def finish(self, application_id: str) -> str:
        """Completed, or rejected naming the first rejected item and its reason; an
        application no longer processing (cancelled meanwhile, or finished by this step
        before a crash) keeps its state, read under the row's lock."""
        now = self._s.clock()
        with self._s.store.writing() as conn:
            application = self._s.store.application(conn, application_id, lock=True)
            assert application is not None, "the workflow runs only for a stored application"
            if application.state != "processing":
                return application.state
            items = self._s.store.items(conn, application_id)
            rejected = next((i for i in items if i.state == "rejected"), None)
            if rejected is None:
                self._s.store.set_state(conn, application_id, "completed", finished_at=now)
                self._s.store.add_event(conn, application_id, now, "completed", "全部事项办结")
                return "completed"
            self._s.store.set_state(
                conn, application_id, "rejected", finished_at=now,
                failed_item=rejected.code, failure_reason=rejected.note,
            )  # fmt: skip
            self._s.store.add_event(
                conn, application_id, now, "rejected",
                f"申请未通过：{rejected.note or ''}", rejected.code,
            )  # fmt: skip
        return "rejected"
