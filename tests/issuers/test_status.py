"""Certificate status: random list indices, suspend / reinstate / revoke, verification."""

from __future__ import annotations

from datetime import UTC, datetime
from random import Random

import pytest
from sqlalchemy import Engine, select

from issuers.errors import Conflict, NotFound, Revoked, StatusUnavailable, Suspended
from issuers.formats.cwt import StatusReference
from issuers.status_codes import CertificateStatus
from issuers.store import status_store
from issuers.store.database import write_transaction
from issuers.store.issuance import IssuanceService
from issuers.store.key_resolver import DatabaseKeyResolver
from issuers.store.status_checker import DatabaseStatusChecker
from issuers.store.tables import certificates, status_entries
from verifiers.qr import verify_qr
from wallet.server import demo

BASE = "http://127.0.0.1:8000"
NOW = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
ISSUERS = {info.uscc: info for info in demo.sample_issuers()}


def _sample(slug: str) -> dict[str, object]:
    item: dict[str, object] = next(
        c for c in demo.load_json("certificates.json") if c["type"] == slug
    )
    return item


def _mint(service: IssuanceService, slug: str = "ride_hailing_driver") -> tuple[str, str]:
    item = _sample(slug)
    minted = service.mint(slug, str(item["issuer"]), item["fields"])  # type: ignore[arg-type]
    return minted.identifier, minted.qr


def _verify(engine: Engine, qr: str) -> object:
    return verify_qr(
        qr,
        keys=DatabaseKeyResolver(engine, ttl_seconds=0),
        now=NOW,
        status=DatabaseStatusChecker(engine, BASE, max_age_seconds=0),
    )


def test_minted_credentials_carry_a_random_status_reference(
    service: IssuanceService, engine: Engine
) -> None:
    identifiers = [_mint(service)[0] for _ in range(30)]
    with engine.connect() as conn:
        rows = conn.execute(
            select(status_entries.c.idx, status_entries.c.identifier, status_entries.c.holder_kid)
        ).all()
    # Each certificate's own entry ("") and its primary holder's copy (their key's kid).
    assert {ident for _, ident, _ in rows} == set(identifiers)
    assert sum(1 for _, _, kid in rows if kid) == 30
    indices = [idx for idx, ident, kid in rows if ident in identifiers and not kid]
    assert len(indices) == len(set(indices)) == 30
    # 30 sequential indices would be 0..29 or a run; random draws from 131,072 are spread.
    assert max(indices) - min(indices) > 1000
    assert sorted(indices) != list(range(min(indices), min(indices) + 30))


def test_a_taken_index_is_drawn_again(service: IssuanceService, engine: Engine) -> None:
    issuer = "11330000000000003M"

    class Repeating(Random):
        """Draws 7, 7, 7, then 8: the second and third draws collide."""

        def __init__(self) -> None:
            super().__init__()
            self.draws = [7, 7, 7, 8]

        def randrange(self, *_: object, **__: object) -> int:  # type: ignore[override]
            return self.draws.pop(0)

    rng = Repeating()
    with write_transaction(engine) as conn:
        first = status_store.reserve_index(conn, issuer, "A", NOW, rng=rng)
        second = status_store.reserve_index(conn, issuer, "B", NOW, rng=rng)
    assert first[1] == 7
    assert second[1] == 8
    assert rng.draws == []


def test_suspend_reinstate_revoke_are_seen_by_the_verifier(
    service: IssuanceService, engine: Engine
) -> None:
    identifier, qr = _mint(service)
    result = _verify(engine, qr)
    assert result.status_checked is True  # type: ignore[attr-defined]

    service.change_status(identifier, CertificateStatus.SUSPENDED, reason="交通违法调查", actor="t")
    with pytest.raises(Suspended):
        _verify(engine, qr)
    service.change_status(identifier, CertificateStatus.VALID, reason="调查结束", actor="t")
    assert _verify(engine, qr).identifier == identifier  # type: ignore[attr-defined]

    previous = service.change_status(
        identifier, CertificateStatus.WITHDRAWN, reason="吊销: 严重违法", actor="t"
    )
    assert previous is CertificateStatus.VALID
    with pytest.raises(Revoked):
        _verify(engine, qr)
    with engine.connect() as conn:
        row = conn.execute(
            select(certificates.c.status, certificates.c.status_reason).where(
                certificates.c.identifier == identifier
            )
        ).one()
        history = status_store.status_history(conn, identifier)
    assert (row.status, row.status_reason) == ("07", "吊销: 严重违法")
    assert [(e.from_status, e.to_status) for e in history] == [
        ("01", "02"),
        ("02", "01"),
        ("01", "07"),
    ]


def test_final_statuses_are_final(service: IssuanceService) -> None:
    identifier, _ = _mint(service)
    service.change_status(identifier, CertificateStatus.CANCELLED, reason="注销", actor="t")
    for target in (CertificateStatus.VALID, CertificateStatus.SUSPENDED, CertificateStatus.REVOKED):
        with pytest.raises(Conflict):
            service.change_status(identifier, target, reason=None, actor="t")


def test_suspending_twice_is_a_conflict_and_unknown_is_not_found(service: IssuanceService) -> None:
    identifier, _ = _mint(service)
    service.change_status(identifier, CertificateStatus.SUSPENDED, reason=None, actor="t")
    with pytest.raises(Conflict):
        service.change_status(identifier, CertificateStatus.SUSPENDED, reason=None, actor="t")
    with pytest.raises(NotFound):
        service.change_status("1.2.156.3005.2.x", CertificateStatus.REVOKED, reason=None, actor="t")
    with pytest.raises(NotFound):  # another issuer may not touch it
        service.change_status(
            identifier,
            CertificateStatus.REVOKED,
            reason=None,
            actor="t",
            issuer_uscc="113100000000000017",
        )


@pytest.mark.parametrize(
    "uri",
    [
        "https://elsewhere.example/status/11330000000000003M/1",
        f"{BASE}/status/11330000000000003M",
        f"{BASE}/status/11330000000000003M/x",
        f"{BASE}/status/11330000000000003M/999",
    ],
    ids=["foreign-server", "no-number", "not-a-number", "no-such-list"],
)
def test_unreadable_status_references_are_status_unavailable(engine: Engine, uri: str) -> None:
    checker = DatabaseStatusChecker(engine, BASE)
    with pytest.raises(StatusUnavailable):
        checker.status_of(StatusReference(5, uri), NOW, ISSUERS["11330000000000003M"])


def test_a_list_answers_only_for_its_own_issuer(service: IssuanceService, engine: Engine) -> None:
    _, qr = _mint(service, "road_transport_permit")
    claims = verify_qr(qr, keys=DatabaseKeyResolver(engine), now=NOW)
    owner = claims.issuer
    uri = f"{BASE}/status/{owner.uscc}/1"
    checker = DatabaseStatusChecker(engine, BASE, max_age_seconds=0)
    assert checker.publishes(uri)
    assert not checker.publishes("https://elsewhere.example/status/x/1")
    assert checker.status_of(StatusReference(5, uri), NOW, owner) == 0
    other = next(info for uscc, info in ISSUERS.items() if uscc != owner.uscc)
    with pytest.raises(StatusUnavailable, match="not that of the credential's issuer"):
        checker.status_of(StatusReference(5, uri), NOW, other)
