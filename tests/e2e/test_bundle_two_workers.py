"""Two ``elicense worker`` processes (distinct ``ELICENSE_WORKER_ID``s) on one database
run the items of the same applications (issue 11: workers scale out as processes).

Four synthetic families (benchmarks/bundle_seed.py: five certificates each, valid
GB 11643 numbers) file one newborn application each through a DBOSClient dispatcher;
both parents approve, the workers pull, verify and prefill, then every application is
submitted at once and its seven items spread over both workers' item queue. Checked:

* both executors ran items (DBOS's own record of who ran each item workflow);
* every application completed exactly once: one ``completed`` event, every item
  ``done`` with exactly one ``item_started`` and one ``item_done`` (no lost update,
  no item run twice, no item stopped while running);
* every output minted exactly once (one certificate per mint key, four per family).

SQLite, and PostgreSQL with ELICENSE_DATABASE_URL (where many machines would share it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbos import DBOSClient
from sqlalchemy import select

from benchmarks.bundle_seed import bench_settings, drain, family, prepared, seed_applications
from issuers.clock import utc_now
from issuers.store.tables import certificates
from tests.e2e.crash_workers import Worker, start_worker, stop_worker, wait_running, worker_env
from wallet.bundles.engine import ClientDispatcher, system_database
from wallet.server.wiring import Services

pytestmark = pytest.mark.slow

FAMILIES = 4
TIMEOUT_S = 120.0
EXECUTORS = ("worker-a", "worker-b")


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[tuple[Services, list[Worker]]]:
    settings, env = bench_settings(database_url, str(tmp_path / "var"))
    services = prepared(settings)
    dispatcher = ClientDispatcher(database_url)
    workers: list[Worker] = []
    try:
        for executor in EXECUTORS:  # one at a time: each launch migrates DBOS's tables
            workers.append(
                start_worker(executor, worker_env({**env, "ELICENSE_WORKER_ID": executor}),
                             tmp_path / "workers")
            )  # fmt: skip
            wait_running(workers[-1])
        services.bundles.use_dispatcher(dispatcher)
        yield services, workers
    finally:
        for worker in workers:
            stop_worker(worker)
        dispatcher.close()
        services.engine.dispose()


def _executors_of_items(database_url: str) -> Counter[str]:
    url, schema = system_database(database_url)
    client = DBOSClient(system_database_url=url, dbos_system_schema=schema or "dbos")
    try:
        return Counter(str(w.executor_id) for w in client.list_workflows(name="bundle_item"))
    finally:
        client.destroy()


def test_two_workers_share_the_items_and_each_application_completes_once(
    world: tuple[Services, list[Worker]], database_url: str
) -> None:
    services, workers = world
    now = utc_now()
    families = [family(services, k, now) for k in range(FAMILIES)]
    ids = seed_applications(services, families, TIMEOUT_S)
    drain(services, ids, families, TIMEOUT_S)  # raises unless every one completed

    ran = _executors_of_items(database_url)
    items = len(services.bundles.definitions["newborn"].items)
    assert sum(ran.values()) == FAMILIES * items, ran
    assert set(ran) == set(EXECUTORS), (ran, [w.output()[-2000:] for w in workers])
    for application_id in ids:
        view = services.bundles.view_any(application_id)
        assert view.application.state == "completed"
        kinds = Counter((e.kind, e.item) for e in view.timeline)
        assert kinds[("completed", None)] == 1, view.timeline
        assert {i.state for i in view.items} == {"done"}, view.items
        for item in view.items:
            assert kinds[("item_started", item.code)] == 1, (item.code, view.timeline)
            assert kinds[("item_done", item.code)] == 1, (item.code, view.timeline)
        assert not any(kind == "item_stopped" for kind, _ in kinds), view.timeline
    with services.engine.connect() as conn:
        keys = Counter(
            conn.execute(
                select(certificates.c.mint_key).where(certificates.c.mint_key.is_not(None))
            ).scalars()
        )
    assert len(keys) == 4 * FAMILIES, keys
    assert set(keys.values()) == {1}, keys
