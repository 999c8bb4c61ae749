"""``elicense bundles run``: an operator files an application for citizens at a 综合窗口;
it waits for their consent in the database until a worker runs it. Bad holders are a
usage error (exit 2) or a typed refusal naming the field (exit 1), never a traceback."""

from __future__ import annotations

import json

import pytest

from tests.helpers import LI_NA, ZHANG_WEI
from wallet.cli.local import local_services
from wallet.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.usefixtures("cli_env")
def test_run_files_an_application_waiting_for_consent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys, "bundles", "run", "newborn", "--applicant", ZHANG_WEI,
        "--holder", f"mother={LI_NA}", "--json",
    )  # fmt: skip
    assert code == 0, err

    filed = json.loads(out)
    assert filed["state"] == "awaiting_consent"
    with local_services() as services:
        mine = services.bundles.applications_of(LI_NA)
    assert [a.id for a in mine] == [filed["id"]]


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize(
    ("holder", "expected_code", "message"),
    [
        ("mother", 2, "--holder takes ROLE=ID"),
        ("mother=12345", 1, "holders.mother"),
        (f"uncle={LI_NA}", 1, "holders.uncle"),
    ],
)
def test_run_refuses_bad_holders(
    capsys: pytest.CaptureFixture[str], holder: str, expected_code: int, message: str
) -> None:
    code, _, err = run(
        capsys, "bundles", "run", "newborn", "--applicant", ZHANG_WEI, "--holder", holder
    )
    assert code == expected_code
    assert message in err
    assert "Traceback" not in err
