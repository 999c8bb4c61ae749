"""``elicense verify`` needs no secret (issue 8, item 19): verifying is public.

The console script runs in a subprocess whose environment holds only ``PATH`` and the
database URL: no master key, no admin token, no demo mode. It answers valid for a good
credential and revoked for a revoked one (the online status check ran), on SQLite and
PostgreSQL (``database_url``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from issuers.status_codes import CertificateStatus
from issuers.store.issuance import IssuanceService
from tests.app_fixtures import TEST_MASTER_KEY
from tests.helpers import sample
from wallet.server import demo

ELICENSE = Path(sys.executable).with_name("elicense")
BASE_URL = "https://verify.example.test"  # where the issuer's status lists are published


def verify(qr: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ELICENSE_DATABASE_URL": database_url,
        "ELICENSE_PUBLIC_BASE_URL": BASE_URL,
    }
    return subprocess.run(
        [str(ELICENSE), "verify", qr, "--json"], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_verify_runs_without_a_master_key_or_admin_token(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    issuer = IssuanceService(
        engine, TEST_MASTER_KEY, lambda: datetime.now(UTC), public_base_url=BASE_URL
    )
    for info in demo.sample_issuers():
        issuer.register_issuer(info)
    item = sample("resident_id")
    good = issuer.mint("resident_id", item["issuer"], item["fields"])
    revoked = issuer.mint("resident_id", item["issuer"], item["fields"])
    issuer.change_status(revoked.identifier, CertificateStatus.REVOKED, reason="test", actor="test")

    valid = verify(good.qr, database_url, tmp_path)
    assert valid.returncode == 0, (valid.stdout, valid.stderr)
    assert json.loads(valid.stdout)["valid"] is True
    assert "ELICENSE_MASTER_KEY" not in valid.stderr

    refused = verify(revoked.qr, database_url, tmp_path)
    assert refused.returncode == 1, (refused.stdout, refused.stderr)
    assert json.loads(refused.stdout)["code"] == "revoked"
    assert not (tmp_path / "var").exists()  # no demo key or data directory was made
