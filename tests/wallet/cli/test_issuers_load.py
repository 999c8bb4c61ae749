"""``elicense issuers load FILE`` / ``list``: how an operator registers issuers (not demo)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from issuers.codes.gb32100 import make_uscc
from issuers.crypto.base64url import b64url_decode
from wallet.cli.main import main

pytestmark = pytest.mark.usefixtures("cli_env")


def _entry(uscc: str, name: str = "苏州市示范局") -> dict[str, object]:
    return {
        "uscc": uscc, "name_zh": name, "name_en": "Suzhou Demonstration Bureau (synthetic)",
        "region_code": "320500", "allowed_types": ["road_transport_permit"],
    }  # fmt: skip


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _listed(capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    code, out, _ = _run(capsys, "issuers", "list")
    assert code == 0
    return {item["uscc"]: item for item in json.loads(out)}


def test_load_registers_then_updates_keeping_the_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    uscc = make_uscc("11320500000000077")
    file = tmp_path / "issuers.json"
    file.write_text(json.dumps([_entry(uscc)]), "utf-8")
    code, out, _ = _run(capsys, "issuers", "load", str(file), "--json")
    assert code == 0
    kid = json.loads(out)["registered"][uscc]
    assert _listed(capsys)[uscc]["name_zh"] == "苏州市示范局"

    file.write_text(json.dumps([_entry(uscc, "苏州市示范二局")]), "utf-8")
    code, out, _ = _run(capsys, "issuers", "load", str(file), "--json")
    assert code == 0
    assert json.loads(out)["registered"][uscc] == kid  # updated, same signing key
    assert _listed(capsys)[uscc]["name_zh"] == "苏州市示范二局"


def test_load_with_alg_sm2_gives_a_new_issuer_an_sm2_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    uscc = make_uscc("11320500000000078")
    file = tmp_path / "issuers.json"
    file.write_text(json.dumps([_entry(uscc)]), "utf-8")
    code, out, _ = _run(capsys, "issuers", "load", str(file), "--alg", "SM2", "--json")
    assert code == 0
    kid = json.loads(out)["registered"][uscc]
    code, out, _ = _run(capsys, "trust", "export", "320000")  # the key, as verifiers see it
    assert code == 0
    payload = json.loads(b64url_decode(out.strip().split(".")[1]))
    keys = next(i["keys"] for i in payload["issuers"] if i["uscc"] == uscc)
    assert [(k["kid"], k["crv"], k["alg"], k["status"]) for k in keys] == [
        (kid, "SM2", "SM2", "active")
    ]


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ({"uscc": "113205000000000770"}, "[1].uscc"),  # wrong check character
        ({"region_code": "999999"}, "[1].region_code"),
        ({"allowed_types": ["no_such_type"]}, "[1].allowed_types"),
        ({"name_zh": ""}, "[1].name_zh"),
        ({"name_en": "Suzhou\tBureau"}, "[1].name_en"),  # a trust list refuses controls
        ({"name_zh": "苏州\u202e局"}, "[1].name_zh"),  # and bidi overrides
        ({"name_zh": "苏州\ud800局"}, "[1].name_zh"),  # and lone surrogates
        ({"region_code": "110000"}, "[1].region_code"),  # not the USCC's province
        ({"extra": 1}, "[1]: expected exactly the keys"),
    ],
)
def test_a_bad_entry_is_named_and_nothing_is_registered(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bad: dict[str, object], named: str
) -> None:
    good = make_uscc("11320500000000078")
    other = make_uscc("11320500000000079")
    file = tmp_path / "issuers.json"
    file.write_text(json.dumps([_entry(good), {**_entry(other), **bad}]), "utf-8")
    code, _, err = _run(capsys, "issuers", "load", str(file))
    assert code == 1
    assert "invalid_input" in err
    assert named in err
    assert good not in _listed(capsys)


def test_the_same_uscc_twice_and_a_file_that_is_not_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    uscc = make_uscc("11320500000000080")
    file = tmp_path / "issuers.json"
    file.write_text(json.dumps([_entry(uscc), _entry(uscc)]), "utf-8")
    assert _run(capsys, "issuers", "load", str(file))[0] == 1
    file.write_bytes(b"\xff{")
    code, _, err = _run(capsys, "issuers", "load", str(file))
    assert code == 1
    assert "not JSON" in err
    assert uscc not in _listed(capsys)
