"""The platform key as SM2 (国密, ``ELICENSE_PLATFORM_KEY_ALG=SM2``): derived from the
master key, published at ``GET /platform/jwks``, signing the audit head and checkpoints
that gmssl and gmalg verify; a log kept across the switch from Ed25519 still verifies
end to end, its older checkpoints with the Ed25519 key listed after the SM2 one."""

from __future__ import annotations

from datetime import timedelta

import gmalg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from issuers.crypto import sm2
from issuers.crypto.base64url import b64url_decode
from issuers.crypto.keys import Algorithm, VerifyingKey
from issuers.crypto.platform_key import platform_signing_key, platform_verifying_keys
from issuers.store.database import write_transaction
from tests.app_fixtures import TEST_MASTER_KEY, FixedClock
from tests.sm2_independent import both_verify, jwk_point, jws_header, jws_verifies
from tests.wallet.audit.audit_world import append_many, pull_event
from wallet.audit import chain
from wallet.audit.saved_checkpoints import SavedCheckpoint
from wallet.audit.service import AuditService
from wallet.audit.store import AuditStore
from wallet.server.app import services_of
from wallet.server.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"platform_key_alg": "SM2"})


def test_the_sm2_platform_key_is_derived_the_same_every_time_and_apart_from_ed25519() -> None:
    one = platform_signing_key(TEST_MASTER_KEY, Algorithm.SM2)
    assert one.alg is Algorithm.SM2
    assert isinstance(one.key, sm2.Sm2PrivateKey)
    assert 1 <= one.key.d <= sm2.N - 2
    assert one.public.kid == platform_signing_key(TEST_MASTER_KEY, Algorithm.SM2).public.kid
    assert one.public.kid != platform_signing_key(bytes(32), Algorithm.SM2).public.kid
    assert one.public.kid != platform_signing_key(TEST_MASTER_KEY).public.kid
    # Its public half is d·G as gmalg (not ours) computes it.
    computed = gmalg.SM2().generate_pk(one.key.d.to_bytes(32, "big"))
    assert computed == b"\x04" + one.key.public.to_bytes()
    with pytest.raises(ValueError, match="EdDSA or SM2"):
        platform_signing_key(TEST_MASTER_KEY, Algorithm.ES256)


def test_jwks_lists_the_sm2_key_first_then_the_ed25519_key_it_replaced(
    app: FastAPI, client: TestClient, clock: FixedClock
) -> None:
    services = services_of(app)
    with write_transaction(services.engine) as conn:
        services.audit.append(conn, pull_event(1), clock.now)
    keys = client.get("/platform/jwks").json()["keys"]
    assert [(k["kty"], k["crv"], k["alg"]) for k in keys] == [
        ("EC", "SM2", "SM2"),
        ("OKP", "Ed25519", "EdDSA"),
    ]
    assert [k["kid"] for k in keys] == [
        key.kid for key in platform_verifying_keys(TEST_MASTER_KEY, Algorithm.SM2)
    ]
    assert VerifyingKey.from_jwk(keys[0]).kid == keys[0]["kid"]
    page = client.get("/audit/checkpoints").json()
    assert page["platform_key"] == keys[0]
    [checkpoint] = page["checkpoints"]
    assert jws_header(checkpoint["jws"]) == {
        "alg": "SM2",
        "typ": chain.CHECKPOINT_TYP,
        "kid": keys[0]["kid"],
    }
    assert jws_verifies(checkpoint["jws"], jwk_point(keys[0]))  # gmssl and gmalg
    head = services.audit.head()
    assert head is not None
    signed = chain.canonical_json(chain.statement(head.count, head.head_hash, head.at))
    assert both_verify(jwk_point(keys[0]), b64url_decode(head.signature), signed)
    assert services.audit.verify().intact


def test_a_log_kept_across_the_switch_to_sm2_verifies_with_both_keys(
    engine: Engine, clock: FixedClock
) -> None:
    before = AuditService(AuditStore(engine), clock, TEST_MASTER_KEY)
    append_many(before, engine, clock, 2)
    clock.now += timedelta(minutes=2)
    after = AuditService(AuditStore(engine), clock, TEST_MASTER_KEY, platform_alg=Algorithm.SM2)
    append_many(after, engine, clock, 2)
    kids = {cp.count: cp.kid for cp in after.checkpoints()}
    assert kids == {
        1: platform_signing_key(TEST_MASTER_KEY).public.kid,
        3: platform_signing_key(TEST_MASTER_KEY, Algorithm.SM2).public.kid,
    }
    report = after.verify(batch_size=1)
    assert report.intact, report.damage
    assert (report.rows, report.checkpoints) == (4, 2)
    saved = [SavedCheckpoint(cp.count, cp.jws) for cp in after.checkpoints()]  # both keys
    checked = after.verify(saved=saved)
    assert checked.intact, checked.damage
    assert checked.saved_checkpoints == 2
    # The Ed25519 service alone knows no SM2 key: the SM2 head fails its check.
    refused = before.verify()
    assert refused.damage is not None
    assert refused.damage.damage == "head_invalid"
