"""Every statement on the bundle tables, behind :class:`BundleStore`."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text, update

from issuers.store.database import write_transaction
from wallet.bundles.records import (
    ApplicationState,
    FieldValue,
    FormConflictEntry,
    ItemView,
    NewApplication,
    StoredApplication,
    TimelineEvent,
    VerifiedCertificate,
)
from wallet.bundles.store import _codec as codec
from wallet.bundles.store.tables import (
    bundle_application_events as events_t,
)
from wallet.bundles.store.tables import (
    bundle_application_items as items_t,
)
from wallet.bundles.store.tables import (
    bundle_application_parties as parties_t,
)
from wallet.bundles.store.tables import (
    bundle_applications as apps_t,
)

__all__ = ["BundleStore"]

_APPLICANT_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:key))")


class BundleStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def reading(self) -> AbstractContextManager[Connection]:
        return _read(self._engine)

    def writing(self) -> AbstractContextManager[Connection]:
        return write_transaction(self._engine)

    # -- applications -------------------------------------------------------------------

    def insert_application(self, conn: Connection, new: NewApplication) -> None:
        conn.execute(
            insert(apps_t).values(
                id=new.id,
                bundle=new.bundle,
                bundle_version=new.bundle_version,
                applicant_code=new.applicant_code,
                state="awaiting_consent",
                consent_request_id=None,
                holders=dict(new.holders),
                presented=codec.presented_json(new.presented),
                verified=[],
                form={},
                conflicts=[],
                created_at=new.created_at,
            )
        )
        parties = {(new.applicant_code, "applicant")}
        parties |= {(code, role) for role, code in new.holders.items()}
        conn.execute(
            insert(parties_t),
            [{"application_id": new.id, "holder_code": c, "role": r} for c, r in sorted(parties)],
        )
        conn.execute(
            insert(items_t),
            [
                {"application_id": new.id, "item_code": code, "state": "waiting",
                 "outputs": [], "facts": {}}
                for code in new.items
            ],
        )  # fmt: skip

    def lock_applicant(self, conn: Connection, applicant_code: str) -> None:
        """Serialise one applicant's new applications, so parallel requests cannot all
        count below a limit and all insert. SQLite's write transaction already holds the
        whole database; on PostgreSQL a transaction-scoped advisory lock keyed by the
        applicant (released at commit or rollback)."""
        if conn.dialect.name == "postgresql":
            conn.execute(_APPLICANT_LOCK, {"key": f"bundle_applicant:{applicant_code}"})

    def count_applications(
        self, conn: Connection, applicant_code: str, bundle: str,
        states: Iterable[str], since: datetime | None = None,
    ) -> int:  # fmt: skip
        """How many of the applicant's applications of ``bundle`` are in ``states``
        (created at or after ``since``, when given)."""
        query = select(func.count()).where(
            apps_t.c.applicant_code == applicant_code,
            apps_t.c.bundle == bundle,
            apps_t.c.state.in_(sorted(states)),
        )
        if since is not None:
            query = query.where(apps_t.c.created_at >= since)
        return int(conn.execute(query).scalar_one())

    def application(
        self, conn: Connection, application_id: str, *, lock: bool = False
    ) -> StoredApplication | None:
        if "\x00" in application_id:
            return None  # names nothing (PostgreSQL refuses NUL in a text parameter)
        query = select(apps_t).where(apps_t.c.id == application_id)
        row = conn.execute(query.with_for_update() if lock else query).first()
        return None if row is None else codec.application(row)

    def applications_naming(self, conn: Connection, holder_code: str) -> list[StoredApplication]:
        """Every application ``holder_code`` is applicant or a party of, newest first."""
        ids = select(parties_t.c.application_id).where(parties_t.c.holder_code == holder_code)
        query = (
            select(apps_t)
            .where(apps_t.c.id.in_(ids))
            .order_by(apps_t.c.created_at.desc(), apps_t.c.id)
        )
        return [codec.application(row) for row in conn.execute(query)]

    def applications_of_bundle(
        self, conn: Connection, bundle: str | None = None
    ) -> list[StoredApplication]:
        """Every application (of one bundle, when given), oldest first: the report's."""
        query = select(apps_t).order_by(apps_t.c.created_at, apps_t.c.id)
        if bundle is not None:
            query = query.where(apps_t.c.bundle == bundle)
        return [codec.application(row) for row in conn.execute(query)]

    def application_for_request(self, conn: Connection, request_id: str) -> str | None:
        """The application whose consent request this is, if any."""
        query = select(apps_t.c.id).where(apps_t.c.consent_request_id == request_id)
        return conn.execute(query.limit(1)).scalar_one_or_none()

    def is_party(self, conn: Connection, application_id: str, holder_code: str) -> bool:
        query = select(parties_t.c.role).where(
            parties_t.c.application_id == application_id, parties_t.c.holder_code == holder_code
        )
        return conn.execute(query.limit(1)).first() is not None

    def set_state(
        self,
        conn: Connection,
        application_id: str,
        state: ApplicationState,
        *,
        only_from: Collection[str] | None = None,
        **values: Any,
    ) -> bool:
        """Move to ``state``; ``values`` sets other columns (finished_at, failed_item …).
        With ``only_from``, only an application in one of those states moves (one guarded
        UPDATE: a cancel committed meanwhile is never overwritten); whether it moved."""
        query = update(apps_t).where(apps_t.c.id == application_id)
        if only_from is not None:
            query = query.where(apps_t.c.state.in_(sorted(only_from)))
        return conn.execute(query.values(state=state, **values)).rowcount == 1

    def set_consent_request(self, conn: Connection, application_id: str, request_id: str) -> None:
        conn.execute(
            update(apps_t)
            .where(apps_t.c.id == application_id)
            .values(consent_request_id=request_id)
        )

    def set_verified(
        self,
        conn: Connection,
        application_id: str,
        verified: Sequence[VerifiedCertificate],
        form: Mapping[str, FieldValue],
        conflicts: Sequence[FormConflictEntry],
    ) -> None:
        conn.execute(
            update(apps_t)
            .where(apps_t.c.id == application_id)
            .values(
                verified=codec.verified_json(verified),
                form=codec.form_json(form),
                conflicts=codec.conflicts_json(conflicts),
            )
        )

    def set_form(
        self,
        conn: Connection,
        application_id: str,
        form: Mapping[str, FieldValue],
        conflicts: Sequence[FormConflictEntry],
    ) -> None:
        conn.execute(
            update(apps_t)
            .where(apps_t.c.id == application_id)
            .values(form=codec.form_json(form), conflicts=codec.conflicts_json(conflicts))
        )

    def set_submitted(
        self, conn: Connection, application_id: str, submitted: Mapping[str, Any], now: datetime
    ) -> None:
        conn.execute(
            update(apps_t)
            .where(apps_t.c.id == application_id)
            .values(submitted_form=dict(submitted), submitted_at=now)
        )

    # -- items --------------------------------------------------------------------------

    def items(self, conn: Connection, application_id: str) -> list[ItemView]:
        query = select(items_t).where(items_t.c.application_id == application_id)
        return [codec.item(row) for row in conn.execute(query.order_by(items_t.c.item_code))]

    def items_of(
        self, conn: Connection, application_ids: Iterable[str]
    ) -> dict[str, list[ItemView]]:
        """Items of many applications at once (the report), by application id."""
        ids = sorted(set(application_ids))
        found: dict[str, list[ItemView]] = {i: [] for i in ids}
        if ids:
            query = select(items_t).where(items_t.c.application_id.in_(ids))
            for row in conn.execute(query.order_by(items_t.c.item_code)):
                found[row.application_id].append(codec.item(row))
        return found

    def update_item(
        self, conn: Connection, application_id: str, item_code: str, **values: Any
    ) -> None:
        conn.execute(
            update(items_t)
            .where(items_t.c.application_id == application_id, items_t.c.item_code == item_code)
            .values(**values)
        )

    def start_item(
        self, conn: Connection, application_id: str, item_code: str, now: datetime
    ) -> bool:
        """A waiting item becomes ``running`` (one already running, its step run again
        after a crash, stays so and keeps its start); False when it was stopped or
        decided meanwhile, so it must not run."""
        query = (
            update(items_t)
            .where(
                items_t.c.application_id == application_id,
                items_t.c.item_code == item_code,
                items_t.c.state.in_(("waiting", "running")),
            )
            .values(state="running", started_at=func.coalesce(items_t.c.started_at, now))
        )
        return conn.execute(query).rowcount == 1

    def stop_waiting(self, conn: Connection, application_id: str, now: datetime) -> list[str]:
        """Items not started become ``stopped``; returns their codes (those the UPDATE
        itself stopped: one a worker started meanwhile is neither stopped nor named)."""
        query = (
            update(items_t)
            .where(items_t.c.application_id == application_id, items_t.c.state == "waiting")
            .values(state="stopped", finished_at=now)
            .returning(items_t.c.item_code)
        )
        return sorted(conn.execute(query).scalars())

    # -- timeline -----------------------------------------------------------------------

    def add_event(
        self,
        conn: Connection,
        application_id: str,
        at: datetime,
        kind: str,
        text_zh: str,
        item: str | None = None,
    ) -> None:
        conn.execute(
            insert(events_t).values(
                application_id=application_id, at=at, kind=kind, item=item, text_zh=text_zh
            )
        )

    def events(self, conn: Connection, application_id: str) -> list[TimelineEvent]:
        query = (
            select(events_t)
            .where(events_t.c.application_id == application_id)
            .order_by(events_t.c.id)
        )
        return [codec.event(row) for row in conn.execute(query)]


@contextmanager
def _read(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        yield conn
