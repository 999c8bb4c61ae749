"""Mint keys and re-issue (issue 11): a mint named by a key happens once, however often
and however concurrently it is asked for; a re-issue keeps the serial, takes version +
1, sets the old version to 05 失效 in the same transaction, and is once per key too.
Real databases: SQLite by default, PostgreSQL with ELICENSE_DATABASE_URL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from copy import deepcopy
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, func, select

from issuers.codes import build_identifier, parse_identifier
from issuers.errors import Conflict, NotFound, Revoked
from issuers.status_codes import CertificateStatus
from issuers.store import status_store
from issuers.store.issuance import IssuanceService
from issuers.store.issued import MintedCertificate
from issuers.store.key_resolver import DatabaseKeyResolver
from issuers.store.status_checker import DatabaseStatusChecker
from issuers.store.tables import certificate_holders, certificates, status_entries
from tests.issuers.bundle_samples import CHILD, ISSUER_OF, NEW_SAMPLES
from verifiers.qr import verify_qr
from wallet.server import demo

BASE = "http://127.0.0.1:8000"
NOW = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
PUBLIC_SECURITY = "113100000000000017"
T = TypeVar("T")


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _register() -> dict[str, Any]:
    item = next(c for c in demo.load_json("certificates.json") if c["type"] == "household_register")
    fields: dict[str, Any] = deepcopy(item["fields"])
    return fields


def _with_newborn(fields: dict[str, Any]) -> dict[str, Any]:
    grown = deepcopy(fields)
    child = {"name": "张小雨", "sex": 2, "birth_date": "2026-10-28", "id_number": CHILD}
    grown["members"].append({**child, "relation": "女"})
    return grown


def _verify(engine: Engine, qr: str) -> Any:
    return verify_qr(
        qr,
        keys=DatabaseKeyResolver(engine, ttl_seconds=0),
        now=NOW,
        status=DatabaseStatusChecker(engine, BASE, max_age_seconds=0),
    )


def _together(calls: list[Callable[[], T]]) -> list[T]:
    """Run ``calls`` in threads released at the same moment; re-raise the first error."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def test_the_same_mint_key_twice_mints_once(service: IssuanceService, engine: Engine) -> None:
    slug = "social_security_card"
    first = service.mint(slug, ISSUER_OF[slug], NEW_SAMPLES[slug](), mint_key="bundle:a:1:0")
    entries = _count(engine, status_entries)
    again = service.mint(slug, ISSUER_OF[slug], NEW_SAMPLES[slug](), mint_key="bundle:a:1:0")
    assert again == first  # the same record, QR text and kid, read back from its row
    assert _count(engine, certificates) == 1
    assert _count(engine, status_entries) == entries  # no new status entry, no new copy
    other = service.mint(slug, ISSUER_OF[slug], NEW_SAMPLES[slug](), mint_key="bundle:a:1:1")
    assert other.identifier != first.identifier
    assert parse_identifier(other.identifier).serial == str(first.record.serial + 1)
    assert _verify(engine, again.qr).identifier == first.identifier


def test_a_mint_key_used_for_another_type_is_a_conflict(service: IssuanceService) -> None:
    vaccination = NEW_SAMPLES["vaccination"]()
    service.mint("vaccination", ISSUER_OF["vaccination"], vaccination, mint_key="k")
    with pytest.raises(Conflict) as caught:
        service.mint("medical_insurance", ISSUER_OF["medical_insurance"],
                     NEW_SAMPLES["medical_insurance"](), mint_key="k")  # fmt: skip
    assert caught.value.field == "mint_key"


def test_without_a_key_every_mint_is_new(service: IssuanceService, engine: Engine) -> None:
    slug = "no_criminal_record"
    a = service.mint(slug, ISSUER_OF[slug], NEW_SAMPLES[slug]())
    b = service.mint(slug, ISSUER_OF[slug], NEW_SAMPLES[slug]())
    assert a.identifier != b.identifier
    assert _count(engine, certificates) == 2


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_mints_with_one_key_make_one_certificate(
    round_: int, service: IssuanceService, engine: Engine
) -> None:
    slug = "medical_insurance"
    key = f"bundle:race-{round_}:medical_insurance_enrolment:0"

    def mint() -> MintedCertificate:
        return service.mint(slug, ISSUER_OF[slug], NEW_SAMPLES[slug](), mint_key=key)

    results = _together([mint, mint, mint])
    assert {r.identifier for r in results} == {results[0].identifier}
    assert {r.qr for r in results} == {results[0].qr}
    assert _count(engine, certificates) == 1
    with engine.connect() as conn:
        mine = conn.execute(
            select(func.count())
            .select_from(status_entries)
            .where(status_entries.c.identifier == results[0].identifier)
        ).scalar_one()
    assert mine == 2  # the certificate's own entry and its primary holder's copy


def test_reissue_takes_the_next_version_and_lapses_the_old(
    service: IssuanceService, engine: Engine
) -> None:
    old = service.mint("household_register", PUBLIC_SECURITY, _register())
    new = service.reissue(old.identifier, _with_newborn(_register()), mint_key="bundle:r:reg:0")
    old_id, new_id = parse_identifier(old.identifier), parse_identifier(new.identifier)
    assert (new_id.serial, new_id.version) == (old_id.serial, "002")
    assert new.identifier == build_identifier(
        old_id.type_code, PUBLIC_SECURITY, old.record.serial, version=2
    )
    assert new.record.version == 2
    assert CHILD in new.record.holder_codes
    assert _verify(engine, new.qr).identifier == new.identifier
    with pytest.raises(Revoked):  # 05 失效 reads INVALID on the status list
        _verify(engine, old.qr)
    with engine.connect() as conn:
        row = conn.execute(
            select(certificates.c.status, certificates.c.status_reason).where(
                certificates.c.identifier == old.identifier
            )
        ).one()
        history = status_store.status_history(conn, old.identifier)
        child_holds = conn.execute(
            select(certificates.c.identifier)
            .join(certificate_holders)
            .where(certificate_holders.c.holder_code == CHILD)
        ).scalars()
        assert list(child_holds) == [new.identifier]
    assert row.status == CertificateStatus.LAPSED.value
    assert "version 2" in row.status_reason
    assert [(e.from_status, e.to_status, e.actor) for e in history] == [("01", "05", "bundle")]


def test_reissue_is_once_per_key(service: IssuanceService, engine: Engine) -> None:
    old = service.mint("household_register", PUBLIC_SECURITY, _register())
    first = service.reissue(old.identifier, _with_newborn(_register()), mint_key="bundle:r:reg:0")
    entries = _count(engine, status_entries)
    again = service.reissue(old.identifier, _with_newborn(_register()), mint_key="bundle:r:reg:0")
    assert again == first
    assert _count(engine, certificates) == 2
    assert _count(engine, status_entries) == entries
    with pytest.raises(Conflict):  # the old version is 05 now: another key cannot re-issue it
        service.reissue(old.identifier, _with_newborn(_register()), mint_key="other")
    third = service.reissue(first.identifier, _register(), mint_key="bundle:r2:reg:0")
    assert parse_identifier(third.identifier).version == "003"


def test_reissue_of_an_unknown_or_suspended_certificate_is_refused(
    service: IssuanceService,
) -> None:
    with pytest.raises(NotFound):
        service.reissue("1.2.156.3005.2.x", _register(), mint_key="x")
    old = service.mint("household_register", PUBLIC_SECURITY, _register())
    service.change_status(old.identifier, CertificateStatus.SUSPENDED, reason="核查", actor="t")
    with pytest.raises(Conflict):
        service.reissue(old.identifier, _with_newborn(_register()), mint_key="y")


def test_concurrent_reissues_make_one_new_version(service: IssuanceService, engine: Engine) -> None:
    old = service.mint("household_register", PUBLIC_SECURITY, _register())

    def same_key() -> MintedCertificate:
        return service.reissue(old.identifier, _with_newborn(_register()), mint_key="k-same")

    results = _together([same_key, same_key, same_key])
    assert {r.identifier for r in results} == {results[0].identifier}
    assert _count(engine, certificates) == 2

    def other_key(key: str) -> Callable[[], str]:
        def call() -> str:
            try:
                service.reissue(results[0].identifier, _register(), mint_key=key)
            except Conflict:
                return "refused"
            return "reissued"

        return call

    raced = _together([other_key("k-a"), other_key("k-b")])
    assert sorted(raced) == ["refused", "reissued"]
    assert _count(engine, certificates) == 3
