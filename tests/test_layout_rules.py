"""The layout's import rules, proved by running them (issue 9 item 5).

* DESIGN.md: format, crypto, code-check and verification cores import neither FastAPI
  nor SQLAlchemy, so an offline verifier runs with the web stack absent. The rule is a
  deny-list: every module of issuers/, verifiers/ and wallet/ is a core module unless a
  component of its dotted path names an adapter (``api``, ``store``, ``server``, ``web``,
  ``cli``), so a new core module is covered without editing this file.
* The floors form a DAG, issuers <- verifiers <- wallet, and inside wallet/ no feature
  imports the shell (wallet.server, wallet.cli). import-linter checks both from the
  contracts in pyproject.toml ``[tool.importlinter]``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("issuers", "verifiers", "wallet")
# engine: the bundles' DBOS Transact runtime (durable workflows kept in a database).
ADAPTERS = frozenset({"api", "store", "server", "web", "cli", "engine"})
SHELL = frozenset({"server", "cli"})
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def core_modules() -> list[str]:
    """Every module under PACKAGES outside the adapter paths, found on disk, not imported."""
    modules = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if not ADAPTERS.intersection(parts):
                modules.append(".".join(parts))
    return modules


# Covered before the rule became a deny-list; a walk that lost them would prove nothing.
_ONCE_LISTED = frozenset(
    {
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
    }
)

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
    # Import them all before failing, so one run names every module that leaks.
    failures = []
    for module in sys.argv[1:]:
        try:
            importlib.import_module(module)
        except ImportError as error:
            failures.append(f"{module}: {error}")
    if failures:
        sys.exit("\\n".join(failures))

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


def _run_blocked(*modules: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _PROGRAM, *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deny_list_walk_finds_the_cores_and_skips_the_adapters() -> None:
    modules = core_modules()
    assert not _ONCE_LISTED - set(modules)
    assert not [m for m in modules if ADAPTERS.intersection(m.split("."))]
    assert any(m.startswith("wallet.") for m in modules)


def test_core_modules_import_and_verify_with_the_web_stack_blocked() -> None:
    completed = _run_blocked(*core_modules())
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "resident_id []"


def test_the_blocker_really_blocks() -> None:
    """Without this, the test above could pass because the hook did nothing."""
    completed = _run_blocked("wallet.server.app")
    assert completed.returncode != 0
    assert "blocked for this test" in completed.stderr


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports reads the contracts from cwd's pyproject.toml and finds the packages there."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _contract(contract_id: str) -> dict[str, list[str]]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        contracts = tomllib.load(file)["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c["id"] == contract_id]
    return contract  # type: ignore[no-any-return]


def test_the_import_contracts_are_kept() -> None:
    completed = _lint_imports(ROOT)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Contracts: 2 kept, 0 broken." in completed.stdout


def test_every_wallet_feature_is_kept_from_the_shell() -> None:
    """A new feature package in wallet/ must join the contract's list of features."""
    contract = _contract("features-below-shell")
    features = {
        f"wallet.{init.parent.name}"
        for init in (ROOT / "wallet").glob("*/__init__.py")
        if init.parent.name not in SHELL
    }
    assert set(contract["source_modules"]) == features
    assert set(contract["forbidden_modules"]) == {f"wallet.{name}" for name in SHELL}


def test_the_import_contracts_catch_violations(tmp_path: Path) -> None:
    """The same contracts over a small tree that breaks each of them must fail, by name."""
    features = _contract("features-below-shell")["source_modules"]
    tree = {
        "pyproject.toml": (ROOT / "pyproject.toml").read_text(),
        "issuers/__init__.py": "from verifiers import qr\n",  # the ground floor reaching up
        "verifiers/__init__.py": "",
        "verifiers/qr.py": "",
        "wallet/__init__.py": "",
        "wallet/server/__init__.py": "",
        "wallet/cli/__init__.py": "",
    }
    for feature in features:
        # Each feature reaches the shell indirectly, through an inner module.
        folder = feature.replace(".", "/")
        tree[f"{folder}/__init__.py"] = "from . import inner\n"
        tree[f"{folder}/inner.py"] = "import wallet.cli\nimport wallet.server\n"
    for name, text in tree.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    completed = _lint_imports(tmp_path)
    out = completed.stdout
    assert completed.returncode != 0, out + completed.stderr
    assert "Contracts: 0 kept, 2 broken." in out, out
    assert "issuers is not allowed to import verifiers" in out, out
    for feature in features:
        for shell in sorted(SHELL):
            assert f"{feature} is not allowed to import wallet.{shell}" in out, out
