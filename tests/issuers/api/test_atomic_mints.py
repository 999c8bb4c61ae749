"""A mint is one transaction: a failure after the serial is taken, a key that
cannot be unsealed, or a crash while writing holders leaves no rows; concurrent mints
get distinct serials.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select

from issuers.crypto.keys import SigningKey
from issuers.crypto.sealing import seal
from issuers.store import repository as repo
from issuers.store.issuance import IssuanceService
from issuers.store.tables import certificates
from tests.app_fixtures import FixedClock
from tests.helpers import (
    CIVIL_AFFAIRS,
    PUBLIC_SECURITY,
    assert_error,
    mint,
    row_counts,
    sample,
)
from wallet.server.app import services_of


def test_failure_after_the_serial_is_taken_leaves_no_rows(
    client: TestClient, admin_headers: dict[str, str], app: FastAPI
) -> None:
    mint(client, admin_headers, "marriage")
    before = row_counts(services_of(app).engine)
    assert before == (1, 2)
    item = sample("marriage")
    response = client.post(
        f"/issuers/{CIVIL_AFFAIRS}/certificates",
        # The fields parse; build_record then refuses the holder, after allocate_serials.
        json={"type": "marriage", "fields": item["fields"], "holder": "11010519491231002X"},
        headers=admin_headers,
    )
    assert_error(response, 422, "invalid_input", field="holder")
    assert row_counts(services_of(app).engine) == before


def test_a_key_that_cannot_be_unsealed_is_503_and_leaves_no_rows(
    client: TestClient, admin_headers: dict[str, str], app: FastAPI, clock: FixedClock
) -> None:
    stranger = SigningKey.generate()
    kid = stranger.public.kid
    sealed = seal(b"\x42" * 32, stranger.to_pkcs8(), associated=kid.encode())  # other master key
    with services_of(app).engine.begin() as conn:
        repo.add_key(conn, CIVIL_AFFAIRS, stranger.public, sealed, clock() + timedelta(seconds=1))
    item = sample("marriage")
    response = client.post(
        f"/issuers/{CIVIL_AFFAIRS}/certificates",
        json={"type": "marriage", "fields": item["fields"]},
        headers=admin_headers,
    )
    assert_error(response, 503, "key_unavailable")
    assert row_counts(services_of(app).engine) == (0, 0)


def test_a_crash_while_writing_holders_rolls_back_the_certificate(
    service: IssuanceService, engine: Engine
) -> None:
    """Fault injection at the last statement of a mint: the certificate row is already
    inserted in the transaction when the holder insert blows up."""
    item = sample("marriage")
    service.mint("marriage", CIVIL_AFFAIRS, item["fields"])
    before = row_counts(engine)
    armed = threading.Event()
    armed.set()

    def explode(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if armed.is_set() and statement.lstrip().upper().startswith(
            "INSERT INTO CERTIFICATE_HOLDERS"
        ):
            raise RuntimeError("simulated crash")

    event.listen(engine, "before_cursor_execute", explode)
    try:
        with pytest.raises(RuntimeError, match="simulated crash"):
            service.mint("marriage", CIVIL_AFFAIRS, item["fields"])
    finally:
        event.remove(engine, "before_cursor_execute", explode)
    assert row_counts(engine) == before
    again = service.mint("marriage", CIVIL_AFFAIRS, item["fields"])  # and minting recovers
    assert row_counts(engine) == (before[0] + 1, before[1] + 2)
    with engine.connect() as conn:
        assert repo.get_certificate(conn, again.identifier) is not None


def test_concurrent_mints_get_distinct_serials(service: IssuanceService, engine: Engine) -> None:
    item = sample("resident_id")
    barrier = threading.Barrier(8)

    def worker(n: int) -> list[tuple[str, int]]:
        barrier.wait()
        out = []
        for _ in range(n):
            minted = service.mint("resident_id", PUBLIC_SECURITY, item["fields"])
            out.append((minted.identifier, minted.record.serial))
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [r for batch in pool.map(worker, [5] * 8) for r in batch]
    identifiers = [identifier for identifier, _ in results]
    serials = [serial for _, serial in results]
    assert len(results) == 40
    assert len(set(identifiers)) == 40
    assert len(set(serials)) == 40
    with engine.connect() as conn:
        stored = conn.execute(
            select(certificates.c.identifier, certificates.c.serial).where(
                certificates.c.issuer_uscc == PUBLIC_SECURITY,
                certificates.c.type_slug == "resident_id",
            )
        ).all()
    assert len(stored) == 40
    assert {row.identifier for row in stored} == set(identifiers)
    assert {row.serial for row in stored} == set(serials)
