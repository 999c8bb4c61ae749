"""``elicense import``: findings of a hostile review (issue 12).

A line's key is its content (canonical JSON), not its place: a file run again after a
bad line is deleted, its lines reordered or respaced mints nothing new; identical lines
in one file mint once and the second is reported (duplicate_line); a mint_key met again
with other content is reported (conflict, mint_key) and the counts are what was stored;
a date that is not a string is invalid; an over-long line is read in bounded pieces and
reported; the report on stderr quotes no ID number and no name. Real database (SQLite,
or PostgreSQL with ELICENSE_DATABASE_URL), the CLI in process.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from benchmarks.mint_speed import ISSUER, person
from issuers.store.bulk_import import MAX_LINE_BYTES, BadLine, parse_line, read_lines
from issuers.store.tables import certificates
from wallet.cli.main import main
from wallet.server.settings import get_settings

pytestmark = pytest.mark.usefixtures("cli_env", "service")


def _item(n: int, **extra: Any) -> dict[str, Any]:
    return {"type": "resident_id", "issuer": ISSUER, "fields": person(n), **extra}


def _line(n: int, **extra: Any) -> str:
    return json.dumps(_item(n, **extra), ensure_ascii=False)


def _import(
    capsys: pytest.CaptureFixture[str], path: Path, lines: list[str], *argv: str
) -> tuple[int, dict[str, Any], str]:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    get_settings.cache_clear()
    code = main(["import", str(path), "--json", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(certificates)).scalar_one())


def test_fix_and_rerun_mints_only_what_is_new(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, engine: Engine
) -> None:
    lines = [_line(n) for n in range(10)]
    lines[2] = _line(2, valid_from="yesterday")
    code, summary, _ = _import(capsys, tmp_path / "a.jsonl", lines, "--batch", "3")
    assert (code, summary["minted"], summary["skipped"]) == (1, 9, 1)
    fixed = [line for i, line in enumerate(lines) if i != 2]  # the bad line deleted
    code, summary, _ = _import(capsys, tmp_path / "b.jsonl", fixed, "--batch", "3")
    assert (code, summary["minted"], summary["already"]) == (0, 0, 9)
    # Reordered, respaced, keys in another order, a null written out: the same content.
    edited = [json.dumps(dict(reversed(_item(n).items())), indent=None, separators=(", ", " : "))
              for n in (9, 8, 7, 6, 5, 4, 3, 1, 0)]  # fmt: skip
    edited[0] = edited[0][:-1] + ', "holder": null}'
    code, summary, _ = _import(capsys, tmp_path / "c.jsonl", [*edited, _line(2)])
    assert (code, summary["minted"], summary["already"]) == (0, 1, 9)
    assert _count(engine) == 10


def test_identical_lines_mint_once_and_the_second_is_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, engine: Engine
) -> None:
    lines = [_line(0), _line(1), _line(0), _line(2), _line(1)]
    code, summary, err = _import(capsys, tmp_path / "d.jsonl", lines, "--batch", "2")
    assert code == 1
    assert (summary["minted"], summary["skipped"], summary["already"]) == (3, 2, 0)
    assert "line 3: skipped, duplicate_line" in err
    assert "line 5: skipped, duplicate_line" in err
    assert "line 1:" not in err
    assert "line 4:" not in err
    assert _count(engine) == 3


def test_a_mint_key_met_again_with_other_content_is_a_conflict(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, engine: Engine
) -> None:
    lines = [_line(n, mint_key=f"k{n}") for n in range(9)] + [_line(9, mint_key="k4")]
    lines.append(_line(4, mint_key="k4"))  # the same line again: a duplicate
    code, summary, err = _import(capsys, tmp_path / "e.jsonl", lines, "--batch", "4")
    assert code == 1
    assert (summary["minted"], summary["skipped"]) == (9, 2)
    assert "line 10: skipped, conflict (mint_key)" in err
    assert "line 11: skipped, duplicate_line" in err
    assert _count(engine) == summary["minted"]


@pytest.mark.parametrize("name", ["valid_from", "valid_until"])
@pytest.mark.parametrize("value", [20200101, 2020.5, True, ["2020-01-01"], {"y": 2020}])
def test_a_date_that_is_not_a_string_is_invalid(name: str, value: object) -> None:
    bad = parse_line(4, json.dumps(_item(1, **{name: value})).encode())
    assert bad == BadLine(4, "invalid_input", f"{name} must be a date, YYYY-MM-DD", name)


def test_a_huge_line_is_read_in_bounded_pieces() -> None:
    good = _line(1).encode()
    huge = b'{"type": "' + b"x" * (5 * MAX_LINE_BYTES) + b'"}'
    edge = b"y" * MAX_LINE_BYTES  # with its newline one byte too many
    source = io.BytesIO(b"\n".join([good, huge, good, edge, b"z" * MAX_LINE_BYTES]) + b"\n" + huge)
    pieces = list(read_lines(source))
    assert len(pieces) == 6
    assert max(len(piece) for piece in pieces) == MAX_LINE_BYTES + 1
    assert pieces[0] == pieces[2] == good + b"\n"
    assert pieces[4] == b"z" * MAX_LINE_BYTES + b"\n"  # the longest line allowed
    for number in (2, 4, 6):
        bad = parse_line(number, pieces[number - 1])
        assert isinstance(bad, BadLine)
        assert (bad.code, bad.field) == ("invalid_input", None)
        assert "longer than" in bad.message


def test_a_huge_line_is_reported_and_the_rest_imported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, engine: Engine
) -> None:
    huge = json.dumps(_item(1, holder="x" * (3 * MAX_LINE_BYTES)))
    code, summary, err = _import(capsys, tmp_path / "f.jsonl", [_line(0), huge, _line(2)])
    assert (code, summary["lines"], summary["minted"], summary["skipped"]) == (1, 3, 2, 1)
    assert "line 2: skipped, invalid_input" in err
    assert _count(engine) == 2


def test_the_report_quotes_no_id_number_and_no_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    wrong_digit = person(3) | {"id_number": person(3)["id_number"][:17] + "0"}
    other = person(7)["id_number"]
    lines = [
        _line(0),
        _line(5, holder=other),  # not named in the fields: found at mint
        json.dumps({"type": "resident_id", "issuer": ISSUER, "fields": wrong_digit}),
        _line(6, issuer="91310115591693856A"),
        _line(0),
        json.dumps(_item(8) | {"fields": person(8) | {"name": "张三丰" * 40}}),
    ]
    code, summary, err = _import(capsys, tmp_path / "g.jsonl", lines)
    assert code == 1
    assert summary["skipped"] >= 4
    assert re.search(r"\d{15}", err) is None, err
    for secret in (other, wrong_digit["id_number"], "测试", "张三丰"):
        assert secret not in err
    for line in err.splitlines():
        assert re.fullmatch(r"line \d+: skipped, [a-z_]+( \([a-z_.\[\]0-9]+\))?", line), line
