"""The offline cache is not a root of trust: anchors come from configuration.

Whoever can write the cache directory (it is where ``sync`` writes) could plant an
anchor key and a trust list signed by it, and make a forged 居民身份证 verify. The
verifier reads its anchors only from files it is given (``--anchor``,
``ELICENSE_TRUST_ANCHORS``), outside the cache; an anchor file in the cache is never
read. And a verdict that consulted no status list says so in every output format.

Built from :mod:`tests.verifiers.offline_world` and :mod:`tests.verifiers.planted` (in
memory, injected clock).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from issuers.catalogue import CATALOGUE
from issuers.minting import build_record, sign_qr
from tests.verifiers.offline_world import (
    CERTIFICATES,
    CONFIGURED,
    ISSUERS,
    KEYS,
    NOW,
    ZJ_TRANSPORT,
    check,
    fill_cache,
    write_anchors,
)
from tests.verifiers.planted import FAKE_POLICE, plant, resident_id
from verifiers.offline import OfflineVerifier, verify_offline
from verifiers.verdict import STATUS_NOT_CHECKED
from wallet.cli.main import build_parser, main


def test_an_anchor_planted_in_the_cache_is_never_read(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fill_cache(cache)
    plant(cache)
    forged = resident_id(FAKE_POLICE)
    verdict = check(cache, forged, NOW + timedelta(seconds=10))
    assert (verdict.valid, verdict.code) == (False, "unknown_key")
    problems = OfflineVerifier.load(cache, anchors=[], now=NOW).report.problems
    assert "no_anchors" in [p.code for p in problems]  # it did not find the planted one


def test_the_cli_takes_its_anchors_from_configuration_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    fill_cache(cache)
    plant(cache)
    forged = resident_id(FAKE_POLICE)
    monkeypatch.delenv("ELICENSE_TRUST_ANCHORS", raising=False)

    assert main(["verify", "--offline", "--cache", str(cache), forged]) == 2
    assert "--anchor" in capsys.readouterr().err  # none configured: a usage error
    planted = ["--anchor", str(cache / "anchors.json")]
    assert main(["verify", "--offline", "--cache", str(cache), *planted, forged]) == 2
    assert "inside the cache directory" in capsys.readouterr().err

    anchors = write_anchors(tmp_path / "anchors.json")
    monkeypatch.setenv("ELICENSE_TRUST_ANCHORS", str(anchors))
    assert main(["verify", "--offline", "--cache", str(cache), "--json", forged]) == 1
    assert json.loads(capsys.readouterr().out)["code"] == "unknown_key"
    argv = ["verify-offline", forged, "--cache", str(cache), "--anchor", str(anchors)]
    assert main(argv) == 1
    assert capsys.readouterr().out.startswith("INVALID unknown_key")


def test_a_verdict_without_a_status_check_says_so_in_text_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A genuine credential of a trusted issuer that names no status list: valid, but
    every output says its status was not checked."""
    cache = tmp_path / "cache"
    fill_cache(cache)
    anchors = str(write_anchors(tmp_path / "anchors.json"))
    zj = ISSUERS[ZJ_TRANSPORT]
    item = next(c for c in CERTIFICATES if c["type"] == "road_transport_permit")
    record = build_record(
        CATALOGUE["road_transport_permit"],
        zj,
        item["fields"],
        serial=1,
        now=NOW - timedelta(days=1),
        valid_from=date(2026, 1, 1),
    )
    qr = sign_qr(record, KEYS[ZJ_TRANSPORT])
    verdict = verify_offline(qr, OfflineVerifier.load(cache, anchors=CONFIGURED, now=NOW), NOW)
    assert (verdict.valid, verdict.status_checked) == (True, False)
    assert STATUS_NOT_CHECKED in verdict.warnings

    base = ["verify-offline", qr, "--cache", str(cache), "--anchor", anchors]
    args = build_parser().parse_args(base)
    assert args.handler(args, clock=lambda: NOW) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0].startswith("VALID 道路运输经营许可证")
    assert "status NOT checked" in text[0]
    assert f"warning: {STATUS_NOT_CHECKED}" in text
    args = build_parser().parse_args([*base, "--json"])
    assert args.handler(args, clock=lambda: NOW) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["valid"], answer["status_checked"]) == (True, False)
    assert STATUS_NOT_CHECKED in answer["warnings"]
