"""scripts/audit_deps.py's judgement, offline: what a project's JSON says about the
installed version, and the exit status. (The audit itself needs the network; .ci/run
runs it, scripts/test does not.)"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "audit_deps.py"


@pytest.fixture(scope="module")
def audit_deps() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_deps"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def project(version: str, *vulns: dict[str, Any]) -> dict[str, Any]:
    return {"info": {"version": version}, "vulnerabilities": list(vulns)}


MINERVA = {"id": "PYSEC-1", "aliases": ["CVE-1", "GHSA-1"], "fixed_in": []}
MINERVA_AGAIN = {"id": "GHSA-1", "aliases": ["CVE-1", "PYSEC-1"], "fixed_in": []}


def test_the_latest_release_carries_its_vulnerabilities(audit_deps: ModuleType) -> None:
    audit = audit_deps.judge_from_project("ecdsa", "0.19.2", project("0.19.2", MINERVA))
    assert [f.vuln_id for f in audit.findings] == ["PYSEC-1"]
    assert audit.audited == ["ecdsa"]
    assert audit.unaudited == []
    assert audit_deps.report(audit, []) == 1


def test_an_older_release_is_unaudited_not_clean(audit_deps: ModuleType) -> None:
    audit = audit_deps.judge_from_project("pip", "23.2.1", project("26.3"))
    assert audit.findings == []
    assert audit.audited == []
    assert audit.unaudited == [("pip", "23.2.1 installed, the index describes 26.3")]


def test_versions_compare_as_versions(audit_deps: ModuleType) -> None:
    audit = audit_deps.judge_from_project("x", "1.0", project("1.0.0", MINERVA))
    assert len(audit.findings) == 1


def test_withdrawn_advisories_and_missing_projects(audit_deps: ModuleType) -> None:
    withdrawn = {**MINERVA, "withdrawn": "2026-01-01T00:00:00Z"}
    assert audit_deps.judge_from_project("x", "1", project("1", withdrawn)).findings == []
    gone = audit_deps.judge_from_project("x", "1", None)
    assert gone.unaudited == [("x", "not on the index")]


def test_exit_status(audit_deps: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    twice = audit_deps.judge_from_project("e", "1", project("1", MINERVA, MINERVA_AGAIN))
    assert audit_deps.report(twice, []) == 1
    assert capsys.readouterr().out.count("VULNERABLE") == 1  # one per vulnerability
    assert audit_deps.report(twice, ["CVE-1"]) == 0  # accepted by its alias
    clean = audit_deps.judge_from_project("c", "2", project("2"))
    assert audit_deps.report(clean, []) == 0
    nothing = audit_deps.Audit(unaudited=[("x", "index unreachable: URLError")])
    assert audit_deps.report(nothing, []) == 2  # nothing audited is no pass
