"""The ``elicense`` command line: in-process through ``wallet.cli.main.main`` (capsys), and
as the installed console script in a real subprocess.

Exit codes (wallet/cli/main.py): 0 success or "valid", 1 a typed failure or "invalid",
2 a usage error. The database is the ``database_url`` fixture's (SQLite or
PostgreSQL); the ``service`` fixture registers the sample issuers in it under the
labelled test master key, which the CLI gets through ``ELICENSE_MASTER_KEY`` (the
``cli_env`` fixture in tests/app_fixtures.py, shared with the status-route tests).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import cbor2
import pytest
import zxingcpp
from PIL import Image

import issuers.formats.qr_image
from issuers.formats import qr_envelope
from tests.helpers import CIVIL_AFFAIRS, PUBLIC_SECURITY
from wallet.cli.main import main
from wallet.server.settings import get_settings

ELICENSE = Path(sys.executable).with_name("elicense")  # the venv's console script

MARRIAGE_FIELDS = [
    "certificate_number=J310104-2015-000123",
    "registration_date=2015-10-01",
    "registration_authority=上海市徐汇区民政局",
    "party_a.name=张伟",
    "party_a.sex=1",
    "party_a.id_number=31010419900315123X",
    "party_a.birth_date=1990-03-15",
    # A JSON value: the whole of party_b as one object.
    'party_b={"name": "李娜", "sex": 2, "id_number": "320102199207082466", '
    '"birth_date": "1992-07-08"}',
]
RESIDENT_ID_FIELDS = {
    "name": "张伟",
    "sex": 1,
    "ethnicity": "01",
    "birth_date": "1990-03-15",
    "address": "上海市徐汇区示范路100弄1号101室",
    "id_number": "31010419900315123X",
    "issuing_authority": "上海市公安局徐汇分局",
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    get_settings.cache_clear()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def mint_marriage(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    args = [a for f in MARRIAGE_FIELDS for a in ("--field", f)]
    code, out, err = run(capsys, "mint", "marriage", "--issuer", CIVIL_AFFAIRS, *args, "--json")
    assert code == 0, (out, err)
    minted: dict[str, Any] = json.loads(out)
    return minted


def tamper_signature(qr: str) -> str:
    tag = cbor2.loads(qr_envelope.unwrap(qr))
    parts = list(tag.value)
    parts[3] = bytes([parts[3][0] ^ 1]) + parts[3][1:]
    return qr_envelope.wrap(cbor2.dumps(cbor2.CBORTag(18, parts)))


def subprocess_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    env.update(extra)
    return env


# --- mint --------------------------------------------------------------------------


@pytest.mark.usefixtures("cli_env")
def test_mint_json_with_nested_and_json_fields(capsys: pytest.CaptureFixture[str]) -> None:
    minted = mint_marriage(capsys)
    assert minted["identifier"].startswith("1.2.156.3005.2.")
    assert f".{CIVIL_AFFAIRS}." in minted["identifier"]
    assert minted["qr"].startswith("EL1:")
    assert minted["type"] == "marriage"
    assert minted["issuer"] == CIVIL_AFFAIRS
    assert minted["holder_codes"] == ["31010419900315123X", "320102199207082466"]


@pytest.mark.usefixtures("cli_env")
def test_mint_plain_output_is_identifier_then_qr(capsys: pytest.CaptureFixture[str]) -> None:
    args = [a for f in MARRIAGE_FIELDS for a in ("--field", f)]
    code, out, _ = run(capsys, "mint", "marriage", "--issuer", CIVIL_AFFAIRS, *args)
    assert code == 0
    identifier, qr = out.strip().splitlines()
    assert identifier.startswith("1.2.156.3005.2.")
    assert qr.startswith("EL1:")


@pytest.mark.usefixtures("cli_env")
def test_mint_from_a_fields_json_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps(RESIDENT_ID_FIELDS, ensure_ascii=False), "utf-8")
    code, out, err = run(
        capsys, "mint", "resident_id", "--issuer", PUBLIC_SECURITY, "--fields-json", str(fields),
        "--valid-from", "2020-06-01", "--json",
    )  # fmt: skip
    assert code == 0, err
    minted = json.loads(out)
    assert minted["valid_from"] == "2020-06-01"
    assert minted["valid_until"] == "2040-06-01"  # age 30 on issue: 20 years (居民身份证法 §5)


@pytest.mark.parametrize(
    "field",
    ["ethnicity=01", "id_number=31010419900315123X"],
    ids=["zero-padded-code", "x-check-digit"],
)
@pytest.mark.usefixtures("cli_env")
def test_mint_resident_id_entirely_from_field_flags(
    capsys: pytest.CaptureFixture[str], field: str
) -> None:
    """Code-valued fields (民族 "01", region codes, all-digit ID numbers) are text:
    typing them as --field K=V must work, as the help text promises."""
    args = [f"{k}={v}" for k, v in RESIDENT_ID_FIELDS.items()]
    code, out, err = run(
        capsys, "mint", "resident_id", "--issuer", PUBLIC_SECURITY,
        *(a for f in args for a in ("--field", f)), "--field", field, "--json",
    )  # fmt: skip
    assert code == 0, (out, err)
    assert json.loads(out)["holder_codes"] == ["31010419900315123X"]


@pytest.mark.usefixtures("cli_env")
def test_mint_all_digit_id_number_via_field_flag(capsys: pytest.CaptureFixture[str]) -> None:
    """Ten in eleven 公民身份号码 are all digits; --field must keep them as text."""
    args = [f for f in MARRIAGE_FIELDS if not f.startswith("party_b=")] + [
        "party_b.name=李娜",
        "party_b.sex=2",
        "party_b.id_number=320102199207082466",
        "party_b.birth_date=1992-07-08",
    ]
    code, out, err = run(
        capsys, "mint", "marriage", "--issuer", CIVIL_AFFAIRS,
        *(a for f in args for a in ("--field", f)), "--json",
    )  # fmt: skip
    assert code == 0, (out, err)
    assert "320102199207082466" in json.loads(out)["holder_codes"]


@pytest.mark.usefixtures("cli_env")
def test_mint_bad_check_digit_exits_1_with_a_typed_json_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = [f.replace("31010419900315123X", "310104199003151230") for f in MARRIAGE_FIELDS]
    code, out, _ = run(
        capsys, "mint", "marriage", "--issuer", CIVIL_AFFAIRS,
        *(a for f in args for a in ("--field", f)), "--json",
    )  # fmt: skip
    assert code == 1
    error = json.loads(out)["error"]
    assert error["code"] == "check_digit_mismatch"
    assert error["field"] == "party_a.id_number"


@pytest.mark.usefixtures("cli_env")
def test_mint_failure_without_json_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "mint", "no_such_type", "--issuer", CIVIL_AFFAIRS)
    assert code == 1
    assert out == ""
    assert "not_found" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["mint", "marriage"],  # --issuer is required
        ["mint", "marriage", "--issuer", CIVIL_AFFAIRS, "--field", "no-equals-sign"],
        ["mint", "marriage", "--issuer", CIVIL_AFFAIRS, "--field", "party_a=[1,"],
        ["mint", "marriage", "--issuer", CIVIL_AFFAIRS, "--fields-json", "/nonexistent/f.json"],
        ["mint", "marriage", "--issuer", CIVIL_AFFAIRS, "--valid-from", "yesterday"],
    ],
    ids=["no-issuer", "no-equals", "bad-json-value", "missing-fields-file", "bad-date"],
)
@pytest.mark.usefixtures("cli_env")
def test_mint_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code  # type: ignore[assignment]
    assert code == 2
    assert capsys.readouterr().err


@pytest.mark.usefixtures("service")
def test_mint_without_a_master_key_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ELICENSE_MASTER_KEY", raising=False)
    monkeypatch.delenv("ELICENSE_DEMO", raising=False)
    monkeypatch.setenv("ELICENSE_DATA_DIR", str(tmp_path / "var"))
    try:
        code, _, err = run(capsys, "mint", "marriage", "--issuer", CIVIL_AFFAIRS)
    finally:
        get_settings.cache_clear()
    assert code == 2
    assert "ELICENSE_MASTER_KEY" in err


# --- verify ------------------------------------------------------------------------


@pytest.mark.usefixtures("cli_env")
def test_verify_json_valid(capsys: pytest.CaptureFixture[str]) -> None:
    minted = mint_marriage(capsys)
    code, out, _ = run(capsys, "verify", minted["qr"], "--json")
    assert code == 0
    verdict = json.loads(out)
    assert verdict["valid"] is True
    assert verdict["credential"]["identifier"] == minted["identifier"]
    assert verdict["credential"]["fields"]["party_b"]["name"] == "李娜"


@pytest.mark.usefixtures("cli_env")
def test_verify_plain_says_valid(capsys: pytest.CaptureFixture[str]) -> None:
    minted = mint_marriage(capsys)
    code, out, _ = run(capsys, "verify", minted["qr"])
    assert code == 0
    assert out.startswith("VALID 结婚证 " + minted["identifier"])


@pytest.mark.usefixtures("cli_env")
def test_verify_tampered_exits_1_with_a_code(capsys: pytest.CaptureFixture[str]) -> None:
    minted = mint_marriage(capsys)
    code, out, _ = run(capsys, "verify", tamper_signature(minted["qr"]), "--json")
    assert code == 1
    verdict = json.loads(out)
    assert verdict["valid"] is False
    assert verdict["code"] == "signature_invalid"
    code, out, _ = run(capsys, "verify", tamper_signature(minted["qr"]))
    assert code == 1
    assert out.startswith("INVALID signature_invalid")


@pytest.mark.usefixtures("cli_env")
def test_verify_one_character_change_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    qr = mint_marriage(capsys)["qr"]
    middle = len(qr) // 2
    changed = qr[:middle] + ("A" if qr[middle] != "A" else "B") + qr[middle + 1 :]
    code, out, _ = run(capsys, "verify", changed, "--json")
    assert code == 1
    assert json.loads(out)["code"]


@pytest.mark.usefixtures("cli_env")
def test_verify_reads_a_text_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    minted = mint_marriage(capsys)
    path = tmp_path / "credential.txt"
    path.write_text(minted["qr"] + "\n", "utf-8")
    code, out, _ = run(capsys, "verify", str(path), "--json")
    assert code == 0
    assert json.loads(out)["credential"]["identifier"] == minted["identifier"]


@pytest.mark.usefixtures("cli_env")
def test_verify_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    minted = mint_marriage(capsys)
    monkeypatch.setattr(sys, "stdin", io.StringIO(minted["qr"] + "\n"))
    code, out, _ = run(capsys, "verify", "-", "--json")
    assert code == 0
    assert json.loads(out)["valid"] is True


@pytest.mark.usefixtures("cli_env")
def test_verify_garbage_text_file_exits_1_malformed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "garbage.txt"
    path.write_text("hello world\n", "utf-8")
    code, out, _ = run(capsys, "verify", str(path), "--json")
    assert code == 1
    assert json.loads(out)["code"] == "malformed"


@pytest.mark.usefixtures("cli_env")
def test_verify_binary_non_image_file_exits_1_typed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(b"\xff\xfe\xfd\x00\x01")
    code, out, _ = run(capsys, "verify", str(path), "--json")
    assert code == 1
    assert json.loads(out)["error"]["code"] == "invalid_input"


@pytest.mark.usefixtures("cli_env")
def test_verify_nonexistent_path_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "verify", str(tmp_path / "no-such-file.txt"))
    assert code == 2
    assert "neither QR text nor a readable file" in err


def test_unknown_verb_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_no_verb_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2


def test_verify_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["verify", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "usage: elicense verify" in out
    assert "--json" in out


# --- QR images ---------------------------------------------------------------------


def scan_png(path: Path) -> str:
    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    with Image.open(path) as image:
        results = zxingcpp.read_barcodes(image, formats=qr_only)
    assert len(results) == 1
    text: str = results[0].text
    return text


@pytest.mark.usefixtures("cli_env")
def test_qr_writes_a_png_that_decodes_to_the_same_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    if not hasattr(issuers.formats.qr_image, "render_png"):
        pytest.skip("issuers/formats/qr_image.py has no render_png yet")
    qr = mint_marriage(capsys)["qr"]
    out_path = tmp_path / "x.png"
    code, out, _ = run(capsys, "qr", qr, "--out", str(out_path))
    assert code == 0
    assert out.strip() == str(out_path)
    assert out_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert scan_png(out_path) == qr


@pytest.mark.usefixtures("cli_env")
def test_qr_writes_an_svg(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    qr = mint_marriage(capsys)["qr"]
    out_path = tmp_path / "x.svg"
    code, _, _ = run(capsys, "qr", qr, "--out", str(out_path))
    assert code == 0
    assert out_path.read_text("utf-8").startswith("<svg")


@pytest.mark.usefixtures("cli_env")
def test_qr_other_suffix_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "qr", "EL1:ABC", "--out", str(tmp_path / "x.gif"))
    assert code == 2
    assert ".png or .svg" in err
    assert not (tmp_path / "x.gif").exists()


@pytest.mark.usefixtures("cli_env")
def test_verify_reads_a_png_image(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``verify`` takes "an image of it" (wallet/cli/main.py read_credential -> read_qr_image)."""
    qr = mint_marriage(capsys)["qr"]
    image = tmp_path / "credential.png"
    image.write_bytes(issuers.formats.qr_image.render_png(qr))
    code, out, err = run(capsys, "verify", str(image), "--json")
    assert code == 0, err
    assert json.loads(out)["valid"] is True


@pytest.mark.usefixtures("cli_env")
def test_verify_a_corrupt_png_exits_1_typed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    image = tmp_path / "broken.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    code, out, err = run(capsys, "verify", str(image), "--json")
    assert code == 1, err
    assert json.loads(out)["error"]["code"] in {"invalid_input", "malformed"}


# --- the installed console script ----------------------------------------------------


def test_console_script_mint_and_verify(cli_env: dict[str, str], tmp_path: Path) -> None:
    assert ELICENSE.is_file(), f"console script not installed at {ELICENSE}"
    env = subprocess_env(cli_env)
    args = [a for f in MARRIAGE_FIELDS for a in ("--field", f)]
    minted = subprocess.run(
        [str(ELICENSE), "mint", "marriage", "--issuer", CIVIL_AFFAIRS, *args, "--json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert minted.returncode == 0, minted.stderr
    qr = json.loads(minted.stdout)["qr"]

    verified = subprocess.run(
        [str(ELICENSE), "verify", qr, "--json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["valid"] is True

    from_stdin = subprocess.run(
        [str(ELICENSE), "verify", "-", "--json"], input=tamper_signature(qr) + "\n",
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert from_stdin.returncode == 1
    assert json.loads(from_stdin.stdout)["code"] == "signature_invalid"


def test_console_script_usage_errors(tmp_path: Path) -> None:
    env = subprocess_env({"ELICENSE_DATA_DIR": str(tmp_path / "var")})
    common: dict[str, Any] = {
        "env": env,
        "cwd": tmp_path,
        "capture_output": True,
        "text": True,
        "timeout": 60,
        "check": False,
    }
    helped = subprocess.run([str(ELICENSE), "verify", "--help"], **common)
    assert helped.returncode == 0
    assert "usage: elicense verify" in helped.stdout
    unknown = subprocess.run([str(ELICENSE), "frobnicate"], **common)
    assert unknown.returncode == 2
    assert "Traceback" not in unknown.stderr
    missing = subprocess.run([str(ELICENSE), "verify", str(tmp_path / "nope.txt")], **common)
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr
