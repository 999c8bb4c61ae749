"""``elicense device register|forget`` and ``elicense present`` (the CLI playing the
phone) have one total deadline too: a wallet server that trickles its answer cannot
keep them running. The trickler is a real socket on 127.0.0.1 (see
:mod:`tests.verifiers.trickler`)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.verifiers.trickler import (
    BODY,
    DEADLINE_S,
    SLACK_S,
    STATUS_LINE,
    Trickler,
    running_trickler,
)
from wallet.cli.main import main

ID_NUMBER = "330102197801305178"


@pytest.fixture(params=[STATUS_LINE, BODY], ids=["head", "body"])
def slow_wallet(request: pytest.FixtureRequest) -> Iterator[Trickler]:
    with running_trickler(*request.param) as server:
        yield server


@pytest.mark.parametrize(
    "verb",
    [["device", "forget"], ["present", "1.2.156.3005.2.11100000000000003U001.X.1.001.A"]],
    ids=["device-forget", "present"],
)
def test_a_device_verb_stops_at_its_deadline_with_a_message(
    verb: list[str],
    slow_wallet: Trickler,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ELICENSE_PASSWORD", "demo-password-1")
    argv = [*verb, "--server", slow_wallet.base, "--id-number", ID_NUMBER]
    started = time.monotonic()
    code = main([*argv, "--timeout", str(DEADLINE_S)])
    assert time.monotonic() - started < DEADLINE_S + SLACK_S
    assert code != 0
    _, err = capsys.readouterr()
    assert "deadline" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("value", ["0", "-3", "nan", "later"])
def test_a_bad_device_timeout_is_a_usage_error(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["device", "forget", "--server", "http://127.0.0.1:9", "--id-number", ID_NUMBER]
    with pytest.raises(SystemExit) as caught:
        main([*argv, f"--timeout={value}"])
    assert caught.value.code == 2
    assert "--timeout" in capsys.readouterr().err
