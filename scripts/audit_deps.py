"""Audit the installed Python packages for known vulnerabilities; exit 1 if any applies.

Run with the virtualenv's interpreter (``.venv/bin/python scripts/audit_deps.py``): it
audits that environment's packages (``pip-audit -l``, the ``-l``: not the system's).

pip-audit asks PyPI's per-version JSON API (``/pypi/<name>/<version>/json``) for each
package. Where only the project JSON (``/pypi/<name>/json``) answers (a registry proxy
that 404s the per-version path), pip-audit skips every package ("could not be
audited") and exits 0: nothing was audited, and nothing said so loudly. For each
package pip-audit skipped, this script reads the project JSON instead. Its
``vulnerabilities`` describe the project's latest release (PyPI JSON API docs): when
the installed version is that release they apply and are reported; otherwise the
package is listed as unaudited, never passed as clean.

Exit status: 0 nothing known applies (unaudited packages are printed); 1 a known
vulnerability applies (each printed with its id, aliases and fixed versions); 2 the
audit could not run (pip-audit failed, or not one package could be audited). Every
network call is bounded (``--timeout`` each, ``--deadline`` for all of them). Not part
of ``scripts/test``, which must pass offline; ``.ci/run`` runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PYPI_JSON = "https://pypi.org/pypi"
OURS = frozenset({"elicense"})  # this project, installed from the checkout, not from PyPI


@dataclass
class Finding:
    name: str
    version: str
    vuln_id: str
    aliases: tuple[str, ...] = ()
    fixed_in: tuple[str, ...] = ()


@dataclass
class Audit:
    findings: list[Finding] = field(default_factory=list)
    audited: list[str] = field(default_factory=list)
    unaudited: list[tuple[str, str]] = field(default_factory=list)  # (name, why)


SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"  # Debian's, with local CAs added


def ca_bundle() -> str | None:
    """The certificates pip-audit's HTTP client (requests) should trust. requests brings
    its own bundle (certifi) and ignores the system's, so behind a TLS-inspecting proxy
    whose CA only the system trusts (as pip does through its ``cert`` setting) every
    query fails. The first that exists: REQUESTS_CA_BUNDLE, SSL_CERT_FILE, PIP_CERT,
    Debian's system bundle."""
    for candidate in (
        os.environ.get("REQUESTS_CA_BUNDLE"),
        os.environ.get("SSL_CERT_FILE"),
        os.environ.get("PIP_CERT"),
        SYSTEM_CA_BUNDLE,
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def run_pip_audit(timeout: float) -> list[dict[str, Any]]:
    """pip-audit's JSON report of this environment's packages."""
    pip_audit = Path(sys.executable).with_name("pip-audit")
    argv = [str(pip_audit), "-l", "-f", "json", "--progress-spinner", "off", "--timeout", "10"]
    bundle = ca_bundle()
    env = {**os.environ, "REQUESTS_CA_BUNDLE": bundle} if bundle else None
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    if done.returncode not in (0, 1):  # 1: vulnerabilities found; the JSON still comes
        raise RuntimeError(f"pip-audit exited {done.returncode}: {done.stderr.strip()[-800:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    dependencies: list[dict[str, Any]] = report["dependencies"]
    return dependencies


def fetch_project(index: str, name: str, timeout: float) -> dict[str, Any] | None:
    """``/pypi/<name>/json``, or None when the index does not know the project."""
    url = f"{index.rstrip('/')}/{canonicalize_name(name)}/json"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            project: dict[str, Any] = json.load(answer)
            return project
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def judge_from_project(name: str, installed: str, project: dict[str, Any] | None) -> Audit:
    """What the project JSON says about ``installed`` (see the module's docstring)."""
    audit = Audit()
    if project is None:
        audit.unaudited.append((name, "not on the index"))
        return audit
    latest = str(project["info"]["version"])
    if not same_version(installed, latest):
        audit.unaudited.append((name, f"{installed} installed, the index describes {latest}"))
        return audit
    audit.audited.append(name)
    for vuln in project.get("vulnerabilities") or []:
        if vuln.get("withdrawn"):
            continue
        audit.findings.append(
            Finding(
                name,
                installed,
                str(vuln.get("id")),
                tuple(vuln.get("aliases") or ()),
                tuple(vuln.get("fixed_in") or ()),
            )
        )
    return audit


def same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def audit_environment(args: argparse.Namespace) -> Audit:
    started = time.monotonic()
    audit = Audit()
    skipped: list[str] = []
    for dep in run_pip_audit(args.deadline):
        name = str(dep["name"])
        if canonicalize_name(name) in OURS:
            continue
        if "skip_reason" in dep:
            skipped.append(name)
            continue
        audit.audited.append(name)
        for vuln in dep.get("vulns", []):
            audit.findings.append(
                Finding(
                    name,
                    str(dep["version"]),
                    str(vuln["id"]),
                    tuple(vuln.get("aliases", ())),
                    tuple(vuln.get("fix_versions", ())),
                )
            )
    remaining = max(1.0, args.deadline - (time.monotonic() - started))
    merge(audit, fallback(skipped, args.index, args.timeout, remaining))
    return audit


def fallback(names: Sequence[str], index: str, timeout: float, deadline: float) -> Audit:
    """The project JSON of each package pip-audit skipped, eight at a time."""
    audit = Audit()
    if not names:
        return audit
    ends = time.monotonic() + deadline

    def one(name: str) -> Audit:
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            return Audit(unaudited=[(name, "its installed version is unknown")])
        left = ends - time.monotonic()
        if left <= 0:
            return Audit(unaudited=[(name, "the audit's deadline passed")])
        try:
            project = fetch_project(index, name, min(timeout, left))
        except (OSError, ValueError, KeyError) as exc:  # URLError, timeouts, bad JSON
            return Audit(unaudited=[(name, f"index unreachable: {type(exc).__name__}")])
        return judge_from_project(name, installed, project)

    with ThreadPoolExecutor(max_workers=8) as pool:
        for result in pool.map(one, names):
            merge(audit, result)
    return audit


def merge(into: Audit, other: Audit) -> None:
    into.findings.extend(other.findings)
    into.audited.extend(other.audited)
    into.unaudited.extend(other.unaudited)


def ignored(finding: Finding, ignore: Iterable[str]) -> bool:
    wanted = set(ignore)
    return finding.vuln_id in wanted or bool(wanted.intersection(finding.aliases))


def distinct(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per vulnerability: PyPI lists one under each database's id (PYSEC,
    GHSA), each naming the others as aliases."""
    kept: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for f in findings:
        names = {(f.name, n) for n in (f.vuln_id, *f.aliases)}
        if not names & seen:
            kept.append(f)
        seen |= names
    return kept


def report(audit: Audit, ignore: Sequence[str]) -> int:
    findings = distinct(f for f in audit.findings if not ignored(f, ignore))
    for name, why in sorted(audit.unaudited):
        print(f"unaudited: {name} ({why})")
    for f in findings:
        aliases = f" ({', '.join(f.aliases)})" if f.aliases else ""
        fixed = ", ".join(f.fixed_in) or "no fixed release named"
        print(f"VULNERABLE: {f.name} {f.version}: {f.vuln_id}{aliases}; fixed in {fixed}")
    print(
        f"audit_deps: {len(audit.audited)} packages audited, {len(audit.unaudited)} unaudited,"
        f" {len(findings)} known vulnerabilities apply"
        + (f" (accepted: {', '.join(ignore)})" if ignore else "")
    )
    if findings:
        return 1
    if not audit.audited:
        print("audit_deps: not one package could be audited", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", default=PYPI_JSON, help="JSON API base (default: PyPI)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--deadline", type=float, default=240.0, help="seconds for it all")
    parser.add_argument(
        "--ignore", action="append", default=[], metavar="ID", help="a vulnerability id to accept"
    )
    args = parser.parse_args(argv)
    try:
        audit = audit_environment(args)
    except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError, KeyError) as exc:
        print(f"audit_deps: pip-audit could not run: {exc}", file=sys.stderr)
        return 2
    return report(audit, args.ignore)


if __name__ == "__main__":
    sys.exit(main())
