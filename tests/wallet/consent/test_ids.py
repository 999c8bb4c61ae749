"""Request and delegation ids never start with "-", so ``--request ID`` always parses
(argparse takes "-abc…" for an option: the device CLI test failed on one id in 64)."""

from __future__ import annotations

from collections.abc import Iterator

from wallet.cli.main import build_parser
from wallet.consent.ids import new_id


def test_an_id_drawn_with_a_leading_dash_is_drawn_again() -> None:
    draws: Iterator[str] = iter(
        ["-leading-dash-0123456789abcdefghij", "Abc_0123456789abcdefghijklmnopqr"]
    )
    assert new_id(lambda _n: next(draws)) == "Abc_0123456789abcdefghijklmnopqr"


def test_fresh_ids_are_long_url_safe_and_parse_after_an_option() -> None:
    ids = {new_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(len(i) == 32 and not i.startswith("-") for i in ids)
    parser = build_parser()
    for request_id in list(ids)[:50]:
        args = parser.parse_args(
            ["device", "deny", "--server", "http://127.0.0.1:1", "--id-number",
             "320102199207082466", "--request", request_id]
        )  # fmt: skip
        assert args.request == request_id
