"""``elicense import`` by an issuer whose key is SM2 (国密), signing on worker processes:
each spawned worker opens the SM2 PKCS #8 it is sent (``issuers.store.sealing_pool``)
and signs with the backend in use there. Every certificate verifies as SM2, with the
issuer's SM2 key, and gmssl (code we did not write) checks one's signature."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select

from benchmarks.mint_speed import ISSUER, person
from issuers.crypto.keys import Algorithm
from issuers.store.issuance import IssuanceService
from issuers.store.key_resolver import DatabaseKeyResolver
from issuers.store.tables import certificates, issuer_keys
from tests.sm2_independent import both_verify, cose_sign1_parts, jwk_point, unwrap
from verifiers.qr import verify_qr

ELICENSE = Path(sys.executable).with_name("elicense")
COUNT = 60


def test_an_sm2_issuer_imports_on_worker_processes(
    cli_env: dict[str, str], tmp_path: Path, engine: Engine, service: IssuanceService
) -> None:
    kid = service.rotate_key(ISSUER, Algorithm.SM2)
    source = tmp_path / "people.jsonl"
    lines = [{"type": "resident_id", "issuer": ISSUER, "fields": person(n)} for n in range(COUNT)]
    source.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")} | cli_env
    done = subprocess.run(
        [str(ELICENSE), "import", str(source), "--workers", "2", "--batch", "16", "--json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["minted"] == COUNT

    with engine.connect() as conn:
        texts = conn.execute(select(certificates.c.qr)).scalars().all()
    assert len(texts) == COUNT
    keys = DatabaseKeyResolver(engine, ttl_seconds=0)
    now = datetime.now(UTC)
    for qr in texts:
        verified = verify_qr(qr, keys=keys, now=now)
        assert (verified.alg, verified.kid) == ("SM2", kid)
    with engine.connect() as conn:
        jwk = conn.execute(
            select(issuer_keys.c.public_jwk).where(issuer_keys.c.kid == kid)
        ).scalar_one()
    for qr in texts[:3]:
        header, to_be_signed, signature = cose_sign1_parts(unwrap(qr))
        assert header[1] == -48
        assert both_verify(jwk_point(jwk), signature, to_be_signed)
