"""``GET /readyz``: may this process take traffic? (``GET /healthz`` only says it runs.)

Ready means the database answers and its schema is at the head of the migrations this
code carries (:mod:`wallet.server.schema`). Otherwise 503 with ``Retry-After``:
``database_unavailable`` (it did not answer within :data:`PROBE_TIMEOUT_S`, or failed)
or ``schema_behind`` (``details``: the revisions; run ``elicense db upgrade``) or
``schema_unknown`` (a revision this code does not know: a newer release migrated the
database, and this process must be replaced by that release, not upgrade it). A load
balancer or Kubernetes readiness probe polls it; it needs no credentials and tells
nothing personal.

Cheap and bounded, whoever calls it how often: one probe reads ``alembic_version``
(one indexed row), its answer is kept for :data:`HOLD_S` and shared by every request
meanwhile, and at most one probe runs at a time: while a hung one is still out (a
database that accepts connections and never answers), callers get
``database_unavailable`` after the timeout instead of piling up threads.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from issuers.error_schema import error_responses
from issuers.errors import DatabaseUnavailable, ElicenseError, SchemaBehind, SchemaUnknown
from wallet.server.schema import (
    UPGRADE_COMMAND,
    SchemaState,
    head_revisions,
    known_revisions,
    schema_state,
)

__all__ = ["HOLD_S", "PROBE_TIMEOUT_S", "Readiness", "install"]

PROBE_TIMEOUT_S = 2.0
HOLD_S = 1.0


@dataclass(frozen=True)
class _Outcome:
    at: float
    state: SchemaState | None  # None: the database did not answer


class Readiness:
    """The probe, its last answer and the one probe thread that may be out."""

    def __init__(
        self,
        engine: Engine,
        *,
        timeout: float = PROBE_TIMEOUT_S,
        hold: float = HOLD_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._timeout = timeout
        self._hold = hold
        self._monotonic = monotonic
        self._last: _Outcome | None = None
        self._probe: asyncio.Future[SchemaState] | None = None
        self._lock: asyncio.Lock | None = None

    async def check(self) -> SchemaState:
        """The schema state when ready; raises the typed reason otherwise."""
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            now = self._monotonic()
            if self._last is None or now - self._last.at >= self._hold:
                self._last = _Outcome(now, await self._read())
            outcome = self._last
        return _verdict(outcome.state)

    async def _read(self) -> SchemaState | None:
        if self._probe is None or self._probe.done():
            self._probe = asyncio.ensure_future(asyncio.to_thread(schema_state, self._engine))
        try:
            return await asyncio.wait_for(asyncio.shield(self._probe), self._timeout)
        except (TimeoutError, SQLAlchemyError, ElicenseError, OSError):
            return None


def _verdict(state: SchemaState | None) -> SchemaState:
    if state is None:
        raise DatabaseUnavailable("the database did not answer the readiness probe")
    if state.unknown:
        raise SchemaUnknown(
            f"the database schema is at {state.current_text}, which this release does not"
            " know (a newer release migrated it): run that release, or restore",
            details={"current": list(state.current), "head": list(state.heads)},
        )
    if not state.at_head:
        raise SchemaBehind(
            f"the database schema is at {state.current_text}, not at the head"
            f" {state.head_text}: run `{UPGRADE_COMMAND}`",
            details={"current": list(state.current), "head": list(state.heads)},
        )
    return state


def install(app: FastAPI, engine: Engine) -> Readiness:
    """``GET /readyz`` on ``app``, probing ``engine``."""
    readiness = Readiness(engine)
    head_revisions()  # the migration scripts read now, not by the first probe (~1 s)
    known_revisions()

    not_ready = error_responses(503)
    not_ready[503]["headers"] = {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}

    @app.get("/readyz", tags=["ops"], responses=not_ready)
    async def readyz() -> dict[str, str]:
        """200 when the database answers and its schema is at the head; 503
        ``database_unavailable``, ``schema_behind`` or ``schema_unknown`` with
        Retry-After otherwise."""
        state = await readiness.check()
        return {"status": "ready", "schema": state.current_text}

    return readiness
