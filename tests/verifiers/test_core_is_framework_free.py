"""DESIGN.md: format, crypto, code-check and verification cores import neither FastAPI
nor SQLAlchemy, so an offline verifier runs with the web stack absent."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CORE_MODULES = [
    "issuers.codes",
    "issuers.catalogue",
    "issuers.crypto.keys",
    "issuers.crypto.sealing",
    "issuers.formats.base45",
    "issuers.formats.cose_sign1",
    "issuers.formats.cwt",
    "issuers.formats.qr_envelope",
    "issuers.minting",
    "issuers.registry",
    "issuers.status_codes",
    "issuers.trust",
    "issuers.formats.holder_binding",
    "issuers.formats.presentation",
    "verifiers.presentation",
    "verifiers.qr",
    "verifiers.verdict",
    "verifiers.offline",
    "verifiers.offline.anchors",
    "verifiers.offline.cache",
    "verifiers.offline.fetch",
    "verifiers.offline.status",
    "verifiers.offline.sync",
    "verifiers.offline.synced",
    "verifiers.offline.verifier",
    "verifiers.offline.verify",
]

_PROGRAM = textwrap.dedent(
    """
    import importlib, sys
    from importlib.abc import MetaPathFinder

    BLOCKED = ("fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn")

    class Block(MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"blocked for this test: {name}")
            return None

    sys.meta_path.insert(0, Block())
    for module in sys.argv[1:]:
        importlib.import_module(module)

    # And it works, not merely imports: mint and verify in memory.
    import json
    from datetime import datetime, UTC
    from issuers.catalogue import get_type
    from issuers.crypto.keys import SigningKey
    from issuers.minting import build_record, sign_qr
    from issuers.registry import IssuerInfo, StaticKeyResolver, TrustedKey
    from verifiers.qr import verify_qr

    issuers = {i["uscc"]: i for i in json.load(open("samples/issuers.json"))}
    item = json.load(open("samples/certificates.json"))[0]
    info = issuers[item["issuer"]]
    issuer = IssuerInfo(info["uscc"], info["name_zh"], info["name_en"], info["region_code"],
                        frozenset(info["allowed_types"]))
    key = SigningKey.generate()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    record = build_record(get_type(item["type"]), issuer, item["fields"], serial=1, now=now)
    keys = StaticKeyResolver([TrustedKey(key.public, issuer)])
    result = verify_qr(sign_qr(record, key), keys=keys, now=now)
    leaked = [m for m in sys.modules if m.split(".")[0] in BLOCKED]
    print(result.type_slug, leaked)
    """
)


def test_core_modules_import_and_verify_with_the_web_stack_blocked() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", _PROGRAM, *CORE_MODULES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "resident_id []"


def test_the_blocker_really_blocks() -> None:
    """Without this, the test above could pass because the hook did nothing."""
    completed = subprocess.run(
        [sys.executable, "-c", _PROGRAM, "wallet.server.app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode != 0
    assert "blocked for this test" in completed.stderr
