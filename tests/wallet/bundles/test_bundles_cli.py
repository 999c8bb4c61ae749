"""``elicense bundles list|validate``: a table of the samples; validation that exits 0
with a line per file, or 2 with the refusal naming the file and field, never a
traceback (also checked in a real process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wallet.bundles.definition_files import sample, write
from wallet.bundles.definitions import DEFAULT_BUNDLES_DIR
from wallet.cli.main import main

ELICENSE = Path(sys.executable).with_name("elicense")  # the venv's console script


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list_shows_each_bundle(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "bundles", "list", "--no-handlers")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["code", "name", "items", "departments", "baseline"]
    newborn = next(row for row in rows if row.startswith("newborn "))
    assert newborn.split()[:4] == ["newborn", "新生儿出生一件事", "7", "6"]
    assert "steps 15→2, forms 6→1, days 18→5" in newborn
    assert "materials 24→0" in newborn
    assert {row.split()[0] for row in rows} == {
        "newborn",
        "retirement",
        "ride_hailing_driver_bundle",
    }


def test_list_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "bundles", "list", "--no-handlers", "--json")
    assert code == 0
    rows = {row["code"]: row for row in json.loads(out)}
    assert rows["retirement"]["items"] == 2
    assert "days 63→7" in rows["retirement"]["baseline"]


def test_validate_the_samples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "bundles", "validate", "--no-handlers")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("newborn.json: ok: newborn 新生儿出生一件事, 7 items, 6 departments")


def test_validate_names_files_and_directories(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path / "more", sample("retirement"))
    newborn = str(DEFAULT_BUNDLES_DIR / "newborn.json")
    code, out, _ = run(
        capsys, "bundles", "validate", "--no-handlers", newborn, str(tmp_path / "more")
    )
    assert code == 0
    assert [line.split(":")[0] for line in out.splitlines()] == ["newborn.json", "retirement.json"]


def test_validate_refuses_a_bad_file_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = sample()
    document["items"][2]["depends_on"] = ["x"]
    path = write(tmp_path, document)
    code, out, err = run(capsys, "bundles", "validate", "--no-handlers", str(path))
    assert (code, out) == (2, "")
    assert err == "elicense: newborn.json: items.2.depends_on.0: unknown item 'x'\n"


def test_validate_refuses_two_files_sharing_an_item(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other = sample("retirement")
    other["items"][1]["code"] = "vaccination_certificate"
    paths = [str(DEFAULT_BUNDLES_DIR / "newborn.json"), str(write(tmp_path, other))]
    code, _, err = run(capsys, "bundles", "validate", "--no-handlers", *paths)
    assert code == 2
    assert err == (
        "elicense: retirement.json: items.1.code: "
        "item 'vaccination_certificate' is also defined in newborn.json\n"
    )


def test_a_missing_file_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "bundles", "validate", str(tmp_path / "none.json"))
    assert code == 2
    assert err.startswith("elicense: ")
    assert "none.json" in err


def test_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "newborn.json").write_text("{", "utf-8")
    done = subprocess.run(
        [ELICENSE, "bundles", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("elicense: newborn.json: line 1 column 2: invalid JSON")
    assert "Traceback" not in done.stderr
