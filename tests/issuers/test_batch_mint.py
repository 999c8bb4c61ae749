"""Batch mint (issue 12): one transaction per batch, whole or absent; mint keys honoured;
serials and status indices never shared, also between batches racing on threads; an
imported certificate verifies, and revoking it reaches its status list. Real databases:
SQLite by default, PostgreSQL with ELICENSE_DATABASE_URL."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from issuers.codes.gb11643 import make_resident_id
from issuers.errors import CheckDigitMismatch, Conflict, InvalidInput, Revoked
from issuers.status_codes import CertificateStatus
from issuers.store.batch_mint import MintRequest, mint_batch
from issuers.store.issuance import IssuanceService
from issuers.store.key_resolver import DatabaseKeyResolver
from issuers.store.status_checker import DatabaseStatusChecker
from issuers.store.tables import certificate_holders, certificates, status_entries
from tests.app_fixtures import FIXED_NOW
from verifiers.qr import verify_qr

BASE = "http://127.0.0.1:8000"
PUBLIC_SECURITY = "113100000000000017"


def _person(n: int) -> dict[str, Any]:
    born = date(1960 + n % 40, 1 + n % 12, 1 + n % 28)
    return {
        "name": "测试人",
        "sex": 1 + n % 2,
        "ethnicity": "01",
        "birth_date": born.isoformat(),
        "address": "上海市徐汇区示范路100弄1号",
        "id_number": make_resident_id("310104", born, n % 999 + 1),
        "issuing_authority": "上海市公安局徐汇分局",
    }


def _requests(count: int, start: int = 0, key: str | None = None) -> list[MintRequest]:
    return [
        MintRequest(
            "resident_id",
            PUBLIC_SECURITY,
            _person(start + i),
            mint_key=None if key is None else f"{key}:{start + i}",
        )
        for i in range(count)
    ]


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _verify(engine: Engine, qr: str) -> Any:
    return verify_qr(
        qr,
        keys=DatabaseKeyResolver(engine, ttl_seconds=0),
        now=FIXED_NOW,
        status=DatabaseStatusChecker(engine, BASE, max_age_seconds=0),
    )


def test_a_batch_is_stored_whole_and_verifies(service: IssuanceService, engine: Engine) -> None:
    minted = mint_batch(service, _requests(50))
    assert len(minted) == 50
    assert len({m.identifier for m in minted}) == 50
    assert sorted(m.record.serial for m in minted) == list(range(1, 51))
    places = {(m.record.status.uri, m.record.status.idx) for m in minted if m.record.status}
    assert len(places) == 50
    assert _count(engine, certificates) == 50
    assert _count(engine, certificate_holders) == 50
    assert _count(engine, status_entries) == 50  # no holder copy: made at first presentation
    assert _verify(engine, minted[7].qr).identifier == minted[7].identifier
    assert minted[7].record.holder_codes == (_person(7)["id_number"],)


def test_a_certificate_of_a_batch_can_be_revoked(service: IssuanceService, engine: Engine) -> None:
    minted = mint_batch(service, _requests(5))
    service.change_status(
        minted[2].identifier, CertificateStatus.REVOKED, reason="test", actor="test"
    )
    with pytest.raises(Revoked):
        _verify(engine, minted[2].qr)
    assert _verify(engine, minted[3].qr).identifier == minted[3].identifier


def test_an_invalid_request_writes_nothing_and_names_its_position(
    service: IssuanceService, engine: Engine
) -> None:
    good = _person(3)["id_number"]
    bad = _person(3) | {"id_number": good[:17] + ("1" if good[17] != "1" else "2")}
    requests = [*_requests(3), MintRequest("resident_id", PUBLIC_SECURITY, bad)]
    with pytest.raises(CheckDigitMismatch) as caught:
        mint_batch(service, requests)
    assert caught.value.details["index"] == 3
    holder = [*_requests(2), MintRequest("resident_id", PUBLIC_SECURITY, _person(9), holder="x")]
    with pytest.raises(InvalidInput) as caught_holder:  # found while building, after serials
        mint_batch(service, holder)
    assert caught_holder.value.details["index"] == 2
    assert _count(engine, certificates) == 0
    assert _count(engine, status_entries) == 0


def test_a_failure_late_in_the_batch_rolls_back_all_of_it(
    service: IssuanceService, engine: Engine
) -> None:
    def failing_sealer(key: Any, payloads: Any) -> list[str]:
        raise Conflict("the signer went away")

    with pytest.raises(Conflict):
        mint_batch(service, _requests(20), sealer=failing_sealer)
    assert _count(engine, certificates) == 0
    assert _count(engine, status_entries) == 0
    after = mint_batch(service, _requests(2))  # the serial counter was rolled back too
    assert [m.record.serial for m in after] == [1, 2]


def test_mint_keys_are_honoured(service: IssuanceService, engine: Engine) -> None:
    first = mint_batch(service, _requests(10, key="import:a"))
    again = mint_batch(service, _requests(15, key="import:a"))
    assert [m.identifier for m in again[:10]] == [m.identifier for m in first]
    assert [m.qr for m in again[:10]] == [m.qr for m in first]
    assert _count(engine, certificates) == 15
    single = service.mint("resident_id", PUBLIC_SECURITY, _person(3), mint_key="import:a:3")
    assert single.identifier == first[3].identifier
    twice = _requests(1, key="dup") * 2
    doubled = mint_batch(service, twice)
    assert doubled[0].identifier == doubled[1].identifier
    assert _count(engine, certificates) == 16


def test_racing_batches_share_no_serial_index_or_key(
    service: IssuanceService, engine: Engine
) -> None:
    errors: list[BaseException] = []
    results: list[list[str]] = []
    barrier = threading.Barrier(3)

    def run(n: int) -> None:
        barrier.wait()
        try:  # the keyed half overlaps between threads; the rest is each thread's own
            keyed = _requests(20, key="race")
            results.append([m.identifier for m in mint_batch(service, keyed + _requests(30))])
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert len({tuple(r[:20]) for r in results}) == 1  # one certificate per key
    assert _count(engine, certificates) == 20 + 3 * 30
    with engine.connect() as conn:
        serials = conn.execute(select(certificates.c.serial)).scalars().all()
        places = conn.execute(select(status_entries.c.list_id, status_entries.c.idx)).all()
    assert len(set(serials)) == len(serials) == 110
    assert len(set(places)) == len(places) == 110


class _Counted:
    def __init__(self) -> None:
        self.minted_counts: list[tuple[str, str, int]] = []

    def minted(self, type_slug: str, issuer_uscc: str, count: int = 1) -> None:
        self.minted_counts.append((type_slug, issuer_uscc, count))


def test_the_mints_of_a_batch_are_counted_once_committed(service: IssuanceService) -> None:
    counted = _Counted()
    service.metrics = counted  # type: ignore[assignment]  # only minted() is called here
    mint_batch(service, _requests(7, key="m"))
    mint_batch(service, _requests(9, key="m"))  # 7 of them found, not minted again
    bad = _person(1) | {"id_number": "310104196001010019"}
    with pytest.raises(InvalidInput):
        mint_batch(service, [MintRequest("resident_id", PUBLIC_SECURITY, bad)])
    assert counted.minted_counts == [
        ("resident_id", PUBLIC_SECURITY, 7),
        ("resident_id", PUBLIC_SECURITY, 2),
    ]
