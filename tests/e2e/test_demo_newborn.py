"""Tried as a new user would (issue 11's acceptance): ``elicense serve --demo``, then
``elicense demo newborn`` against it, both real processes. The hospital issues the
birth certificate, both parents approve, the form is prefilled and submitted, the seven
items run (the workflows in the server's own process, the demo's default), the four
outputs verify at ``POST /verify`` and the old household register reads 05 失效; the
operator's report counts the completed application, its waived materials and serves
its chart. On SQLite, and on PostgreSQL with ELICENSE_DATABASE_URL."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.demo_server import cli


def test_demo_newborn_completes_against_serve_demo(
    demo_server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, env = demo_server
    run = cli(tmp_path, env, "demo", "newborn", "--base-url", base, "--timeout", "50")
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "0. 医院签发出生医学证明" in out
    assert "[■■■■■■■] 7/7" in out
    assert "申请状态 application: completed" in out
    for output in ("居民户口簿 v2", "预防接种证 v1", "医保参保凭证 v1", "社会保障卡 v1"):
        assert f"✓ {output}" in out, out
    assert "旧户口簿 old register: 05" in out
    assert out.rstrip().endswith("所有证照已入卡包并通过核验。")
    assert "✗" not in out

    token = (tmp_path / "var" / "demo-admin-token").read_text().strip()
    admin = {"Authorization": f"Bearer {token}"}
    report = httpx.get(f"{base}/admin/bundles/newborn/report", headers=admin, timeout=10)
    assert report.status_code == 200, report.text
    assert report.json()["completed"] == 1
    assert report.json()["materials_waived_total"] > 0
    chart = httpx.get(f"{base}/admin/bundles/newborn/report.svg", headers=admin, timeout=10)
    assert chart.headers["content-type"].startswith("image/svg+xml")
