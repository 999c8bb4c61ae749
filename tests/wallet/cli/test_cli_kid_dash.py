"""``elicense keys compromise KID`` accepts every kid (issue 8, item 18).

A kid is a base64url RFC 7638 thumbprint: one in 64 starts with ``-``, and argparse
took those for options ("the following arguments are required: kid"), or for ``-h``
when the kid starts with ``-h``. Keys whose kids start with ``-``, ``-h`` and ``--``
are made here (Ed25519 keys are cheap to draw) and stored as an issuer's keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from issuers.crypto.keys import SigningKey
from issuers.crypto.sealing import seal
from issuers.store import repository as repo
from issuers.store.database import write_transaction
from issuers.store.issuance import IssuanceService
from tests.app_fixtures import TEST_MASTER_KEY
from wallet.cli.main import build_parser, main

ZJ = "11330000000000003M"


def key_whose_kid(starts: Callable[[str], bool]) -> SigningKey:
    for _ in range(200_000):
        key = SigningKey.generate()
        if starts(key.public.kid):
            return key
    raise AssertionError("no such kid drawn")  # p < 1e-20 for a 1-in-4096 prefix


def store_key(engine: Engine, key: SigningKey) -> str:
    kid = key.public.kid
    sealed = seal(TEST_MASTER_KEY, key.to_pkcs8(), associated=kid.encode())
    with write_transaction(engine) as conn:
        repo.add_key(conn, ZJ, key.public, sealed, datetime.now(UTC))
    return kid


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own errors and --help
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("prefix", "argv_for"),
    [
        ("-", lambda kid: ["keys", "compromise", kid]),
        ("-h", lambda kid: ["keys", "compromise", kid, "--since", "2026-01-01T00:00:00+08:00"]),
        ("--", lambda kid: ["keys", "compromise", kid]),
        ("-", lambda kid: ["keys", "compromise", "--", kid]),
    ],
    ids=["dash", "dash-h-with-since", "double-dash", "after-double-dash"],
)
@pytest.mark.usefixtures("cli_env")
def test_compromise_accepts_a_kid_starting_with_a_dash(
    capsys: pytest.CaptureFixture[str],
    service: IssuanceService,
    engine: Engine,
    prefix: str,
    argv_for: Callable[[str], list[str]],
) -> None:
    kid = store_key(engine, key_whose_kid(lambda k: k.startswith(prefix)))
    code, out, err = run(capsys, *argv_for(kid))
    assert code == 0, err
    assert json.loads(out) == {"kid": kid, "issuer": ZJ, "state": "compromised"}


def test_compromise_help_documents_the_double_dash() -> None:
    parser = build_parser()
    keys = next(a for a in parser._actions if a.dest == "verb").choices["keys"]  # type: ignore[index]
    compromise = next(a for a in keys._actions if a.dest == "key_verb").choices["compromise"]
    (kid,) = [a for a in compromise._actions if a.dest == "kid"]
    assert "--" in (kid.help or "")


def test_an_unknown_option_is_still_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "keys", "compromise", "--sinse", "x")
    assert code == 2
    assert "--sinse" in err or "kid" in err
