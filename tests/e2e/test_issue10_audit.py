"""Issue 10's acceptance walk-through and its audit-log promises, checked black-box
against a real ``elicense serve --demo`` from the issue text and the README alone: the
spouses' walk-through with the ``sd-jwt`` library, the citizens' audit pages, the signed
checkpoints (``jwcrypto``), and ``elicense audit verify`` after an edited, deleted or
inserted row, or a wiped log.

Each test's docstring quotes the promise it checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS
from sd_jwt.verifier import SDJWTVerifier
from sqlalchemy import Engine, MetaData, Table, delete, insert, select, text
from sqlalchemy.engine import URL

from tests.e2e.issue10_demo import (
    ASK,
    CHEN_QIANG,
    LI_NA,
    PURPOSE,
    SERVICE,
    ZHANG_WEI,
    Demo,
    demo_for_module,
)

SPOUSES = {ZHANG_WEI: ASK, LI_NA: ASK}
AUDIT_TABLES = ("audit_entries", "audit_entry_holders", "audit_head", "audit_checkpoints")


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
    _postgres_database: URL | None,
    _postgres_resetter: Engine | None,
) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("issue10-audit")
    with demo_for_module(root, _postgres_database, _postgres_resetter) as running:
        yield running


@pytest.fixture(scope="module")
def walked(demo: Demo) -> dict[str, Any]:
    """The README's walk-through up to the refused pull after one spouse revokes."""
    created = demo.request(SPOUSES)
    previews = {
        h: demo.http.get(f"/wallet/consent/requests/{created['id']}", headers=demo.citizen(h))
        for h in SPOUSES
    }
    approvals = {h: demo.approve(h, created["id"]) for h in SPOUSES}
    pulled = demo.pull(created["id"])
    revoked = demo.http.post(
        f"/wallet/consent/grants/{created['id']}/revoke", json={}, headers=demo.citizen(LI_NA)
    )
    after = demo.pull(created["id"])
    return {"created": created, "previews": previews, "approvals": approvals,
            "pulled": pulled, "revoked": revoked, "after": after}  # fmt: skip


class EdDSAKeyBinding(SDJWTVerifier):  # type: ignore[misc]
    """The README's subclass: sd-jwt 0.10 assumes ES256 for the KB-JWT."""

    def _verify_key_binding_jwt(self, aud: str, nonce: str, sign_alg: str | None = None) -> None:
        super()._verify_key_binding_jwt(aud, nonce, sign_alg=sign_alg or "EdDSA")


def test_acceptance_walk_through(demo: Demo, walked: dict[str, Any]) -> None:
    """Acceptance: "A service asks two spouses for their ID card and marriage certificate,
    for a stated purpose. Each spouse previews ... by API, and approves. The service pulls,
    verifies each share with the `sd-jwt` library, and sees exactly the granted claims and
    no others. One spouse revokes. The next pull is refused" (`403 grant_revoked`)."""
    for holder in SPOUSES:
        assert walked["previews"][holder].status_code == 200
        assert walked["approvals"][holder].status_code == 200, walked["approvals"][holder].text
    assert walked["pulled"].status_code == 200, walked["pulled"].text

    def issuer_key(iss: str, header: dict[str, Any]) -> JWK:
        uscc = iss.rsplit("/", 1)[1]
        keys = demo.http.get(f"/.well-known/jwt-vc-issuer/issuers/{uscc}").json()["jwks"]["keys"]
        return JWK(**next(k for k in keys if k["kid"] == header["kid"]))

    seen = set()
    envelope = {
        "iss",
        "vct",
        "cnf",
        "status",
        "iat",
        "nbf",
        "exp",
        "license_id",
        "issuer_uscc",
        "type_code",
    }
    for share in walked["pulled"].json()["shares"]:
        claims = EdDSAKeyBinding(
            share["sd_jwt"],
            issuer_key,
            expected_aud=SERVICE,
            expected_nonce=walked["created"]["nonce"],
        ).get_verified_payload()
        assert set(claims) - envelope == set(ASK[share["type"]])
        seen.add((share["holder"], share["type"]))
    assert seen == {(h, t) for h in SPOUSES for t in ASK}
    assert walked["revoked"].status_code == 200, walked["revoked"].text
    assert walked["after"].status_code == 403
    assert walked["after"].json()["error"]["code"] == "grant_revoked"
    assert "sd_jwt" not in walked["after"].text


def test_both_citizens_audit_shows_the_pull_and_the_refusal_in_chinese(
    demo: Demo, walked: dict[str, Any]
) -> None:
    """Acceptance: "both citizens' audit pages show the pull and the refusal"
    (<BASE>/web/audit and `GET /wallet/audit`); "Citizens read their own entries ('who
    used my certificates, when, why'), in the API and on a web page, in Chinese"; another
    citizen sees none of them."""
    grant = walked["created"]["id"]
    for holder in SPOUSES:
        mine = [e for e in demo.audit(holder) if e.get("grant_id") == grant]
        kinds = {e["kind"] for e in mine}
        assert {"pull", "pull_refused"} <= kinds, (holder, kinds)
        pull = next(e for e in mine if e["kind"] == "pull")
        assert pull["purpose"] == PURPOSE
        assert "新生儿出生服务" in pull["service"]
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["kind_name"]) for e in mine)
        browser = demo.web_session(holder)
        try:
            page = browser.get("/web/audit")
        finally:
            browser.close()
        assert page.status_code == 200, page.text
        assert PURPOSE in page.text
        assert "新生儿出生服务" in page.text
        assert {
            next(e for e in mine if e["kind"] == k)["kind_name"] for k in ("pull", "pull_refused")
        } <= {name for name in (e["kind_name"] for e in mine) if name in page.text}, (
            "the page does not show the pull and the refusal"
        )
    assert grant not in json.dumps(demo.audit(CHEN_QIANG))


def test_checkpoints_are_published_and_signed_by_the_platform(
    demo: Demo, walked: dict[str, Any]
) -> None:
    """Promise: "The platform signs a checkpoint of the chain head (count, hash, time) ...
    and publishes them (`GET /audit/checkpoints`)"; the platform key at
    `GET /platform/jwks`. Each checkpoint verifies with jwcrypto and says what it lists."""
    published = demo.http.get("/audit/checkpoints")
    assert published.status_code == 200, published.text
    checkpoints = published.json()["checkpoints"]
    assert checkpoints
    keys = {k["kid"]: k for k in demo.http.get("/platform/jwks").json()["keys"]}
    for checkpoint in checkpoints:
        jws = JWS()
        jws.deserialize(checkpoint["jws"])
        jws.verify(JWK(**keys[checkpoint["kid"]]))
        signed = json.loads(jws.payload)
        assert (signed["count"], signed["hash"]) == (checkpoint["count"], checkpoint["hash"])


def test_a_shares_receipt_is_the_hash_of_its_audit_entry(
    demo: Demo, walked: dict[str, Any]
) -> None:
    """Promise: "A share carries the hash of its audit entry as a receipt"."""
    with demo.database() as engine, engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, grant_id, entry_hash FROM audit_entries")).all()
    pulls = {
        row.entry_hash
        for row in rows
        if row.kind == "pull" and row.grant_id == walked["created"]["id"]
    }
    receipts = {share["audit_receipt"] for share in walked["pulled"].json()["shares"]}
    assert len(receipts) == 1
    assert receipts <= pulls


def test_the_log_keeps_no_id_number_and_no_certificate_value(
    demo: Demo, walked: dict[str, Any]
) -> None:
    """Promise: the audit log records every step "with no personal data beyond what the
    citizen needs to read it"; "It keeps no ID number (holders are keyed hashes) and no
    certificate values"."""
    marriage = demo.certificate(ZHANG_WEI, "marriage")["fields"]
    with demo.database() as engine, engine.connect() as conn:
        stored = "\n".join(
            repr(tuple(row))
            for table in AUDIT_TABLES
            for row in conn.execute(text(f"SELECT * FROM {table}"))
        )
    assert stored
    for secret in (ZHANG_WEI, LI_NA, marriage["certificate_number"], "张伟", "李娜"):
        assert secret not in stored, secret
        assert json.dumps(secret)[1:-1] not in stored, secret


def verify(demo: Demo, *argv: str) -> tuple[int, dict[str, Any], str]:
    ran = demo.cli("audit", "verify", "--demo", *argv)
    return ran.returncode, json.loads(ran.stdout or "{}"), ran.stderr


@pytest.fixture
def audit_rows(demo: Demo, walked: dict[str, Any]) -> Iterator[tuple[Engine, dict[str, Table]]]:
    """The audit tables, restored to what they held before the test tampered with them."""
    with demo.database() as engine:
        tables = MetaData()
        tables.reflect(engine, only=AUDIT_TABLES)
        with engine.connect() as conn:
            saved = {
                name: [row._asdict() for row in conn.execute(select(tables.tables[name]))]
                for name in AUDIT_TABLES
            }
        yield engine, dict(tables.tables)
        with engine.begin() as conn:
            for name in reversed(AUDIT_TABLES):
                conn.execute(delete(tables.tables[name]))
            for name in AUDIT_TABLES:
                if saved[name]:
                    conn.execute(insert(tables.tables[name]), saved[name])
    assert verify(demo)[0] == 0


def test_audit_verify_names_the_edited_deleted_or_inserted_row(
    demo: Demo, audit_rows: tuple[Engine, dict[str, Table]]
) -> None:
    """Acceptance: "Editing, deleting or inserting one audit row in the database makes
    `elicense audit verify` fail and name the row" (exit 1), and it is intact (exit 0,
    `{"intact": true, ...}`) before; the README's own UPDATE of row 1 as the edit."""
    engine, tables = audit_rows
    entries, holders = tables["audit_entries"], tables["audit_entry_holders"]
    code, report, _ = verify(demo)
    assert code == 0, report
    assert report["intact"] is True, report
    with engine.connect() as conn:
        rows = [row._asdict() for row in conn.execute(select(entries).order_by(entries.c.seq))]
        links = [row._asdict() for row in conn.execute(select(holders).where(holders.c.seq == 2))]
    assert len(rows) >= 4

    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET actor = 'service:x' WHERE seq = 1"))
    code, report, stderr = verify(demo)
    assert code == 1
    assert report["intact"] is False
    assert report["damage"]["row"] == 1, (report, stderr)
    assert "row 1" in stderr, stderr
    with engine.begin() as conn:
        conn.execute(entries.update().where(entries.c.seq == 1).values(actor=rows[0]["actor"]))
    assert verify(demo)[0] == 0

    with engine.begin() as conn:
        conn.execute(delete(holders).where(holders.c.seq == 2))
        conn.execute(delete(entries).where(entries.c.seq == 2))
    code, report, stderr = verify(demo)
    assert code == 1, (report, stderr)
    assert report["damage"]["row"] == 2, report
    assert "row 2 deleted" in stderr, stderr
    with engine.begin() as conn:
        conn.execute(insert(entries), [rows[1]])
        if links:
            conn.execute(insert(holders), links)
    assert verify(demo)[0] == 0

    last = rows[-1]
    forged = {
        **last,
        "seq": last["seq"] + 1,
        "prev_hash": last["entry_hash"],
        "entry_hash": "0" * 64,
    }
    with engine.begin() as conn:
        conn.execute(insert(entries), [forged])
    code, report, stderr = verify(demo)
    assert code == 1, (report, stderr)
    assert report["damage"]["row"] == forged["seq"], (report, stderr)


def test_saved_checkpoints_catch_a_wiped_log(
    demo: Demo, audit_rows: tuple[Engine, dict[str, Table]]
) -> None:
    """Promise: "Keep a copy of `GET /audit/checkpoints` elsewhere now and then:
    `elicense audit verify --checkpoints saved.json` (or `--url` ...) also catches a wiped
    log and deleted checkpoints (`rows from N deleted`, `checkpoint N deleted`)"."""
    engine, tables = audit_rows
    (demo.cwd / "saved.json").write_text(demo.http.get("/audit/checkpoints").text)
    assert verify(demo, "--checkpoints", "saved.json")[0] == 0
    with engine.begin() as conn:
        for name in reversed(AUDIT_TABLES):
            conn.execute(delete(tables[name]))
    assert verify(demo)[0] == 0  # the database alone cannot tell a wiped log from an empty one
    code, report, stderr = verify(demo, "--checkpoints", "saved.json")
    assert code == 1, (report, stderr)
    assert "deleted" in stderr, stderr
