"""Where the bundle workflows run: the settings (ELICENSE_WORKER_ID,
ELICENSE_INPROCESS_WORKERS, ELICENSE_BUNDLE_ITEM_CONCURRENCY), the refusal of
in-process workers under several uvicorn workers, and the CLI's answers."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.app_fixtures import TEST_MASTER_KEY
from wallet.cli.main import main
from wallet.server.settings import Settings
from wallet.server.workflows import check_in_process

KEY = base64.b64encode(TEST_MASTER_KEY).decode()


@pytest.fixture(autouse=True)
def _settings_from_arguments_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings() also reads the environment: an earlier in-process `elicense ... --demo`
    in this pytest process leaves ELICENSE_DEMO=1 there (as it does for a real process)."""
    for name in ("ELICENSE_DEMO", "ELICENSE_INPROCESS_WORKERS"):
        monkeypatch.delenv(name, raising=False)


def test_in_process_workflows_are_the_demos_default_only() -> None:
    assert Settings(demo=True).runs_workflows_in_process
    assert not Settings(master_key=KEY).runs_workflows_in_process
    assert Settings(master_key=KEY, inprocess_workers=True).runs_workflows_in_process
    assert not Settings(demo=True, inprocess_workers=False).runs_workflows_in_process


def test_the_defaults_and_bounds() -> None:
    settings = Settings(master_key=KEY)
    assert (settings.worker_id, settings.bundle_item_concurrency) == ("local", 8)
    for bad in ({"worker_id": ""}, {"worker_id": "a b"}, {"worker_id": "-x"},
                {"worker_id": "w" * 65}, {"bundle_item_concurrency": 0},
                {"bundle_item_concurrency": 1001}):  # fmt: skip
        with pytest.raises(ValidationError):
            Settings(master_key=KEY, **bad)


def test_in_process_workers_only_with_one_http_worker() -> None:
    demo = Settings(demo=True)
    assert check_in_process(demo, 1) is None
    refused = check_in_process(demo, 2)
    assert refused is not None
    assert "elicense worker" in refused
    assert "ELICENSE_INPROCESS_WORKERS=false" in refused
    assert check_in_process(Settings(master_key=KEY), 4) is None  # the API only enqueues


def test_serve_refuses_in_process_workers_under_several_http_workers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wallet.server.settings import get_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ELICENSE_INPROCESS_WORKERS", "true")
    monkeypatch.setenv("ELICENSE_MASTER_KEY", KEY)
    get_settings.cache_clear()
    try:
        assert main(["serve", "--workers", "2", "--port", "1"]) == 2
    finally:
        get_settings.cache_clear()
    assert "elicense worker" in capsys.readouterr().err


def test_a_bad_worker_id_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from wallet.server.settings import get_settings

    monkeypatch.setenv("ELICENSE_WORKER_ID", "no spaces")
    monkeypatch.setenv("ELICENSE_MASTER_KEY", KEY)
    get_settings.cache_clear()
    try:
        assert main(["worker"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("elicense: ")
    assert "worker_id" in err
