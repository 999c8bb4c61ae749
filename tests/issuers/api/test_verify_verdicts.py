"""``POST /verify`` verdicts for credentials that are not valid: expired, not yet
valid, garbage, truncated, a zlib bomb, and QR text longer than a QR code holds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from issuers.formats import qr_envelope
from tests.app_fixtures import FixedClock
from tests.helpers import (
    CST,
    mint,
    verify,
)


def test_expired_credential(
    client: TestClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    minted = mint(
        client, admin_headers, "marriage", valid_from="2026-01-01", valid_until="2026-12-31"
    )
    end = datetime(2027, 1, 1, tzinfo=CST)  # the day after valid_until, China Standard Time
    clock.now = end - timedelta(minutes=5)
    assert verify(client, minted["qr"])["valid"] is True
    clock.now = end + timedelta(minutes=5)
    verdict = verify(client, minted["qr"])
    assert verdict["valid"] is False
    assert verdict["code"] == "expired"
    assert verdict["credential"] is None


def test_not_yet_valid_credential(
    client: TestClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    minted = mint(client, admin_headers, "marriage", valid_from="2027-03-01")
    verdict = verify(client, minted["qr"])
    assert verdict["valid"] is False
    assert verdict["code"] == "not_yet_valid"
    clock.now = datetime(2027, 3, 1, tzinfo=CST) + timedelta(minutes=5)
    assert verify(client, minted["qr"])["valid"] is True


@pytest.mark.parametrize(
    ("qr", "codes"),
    [
        ("hello", {"malformed"}),
        ("", {"malformed"}),
        ("EL2:ABC", {"unsupported_version"}),
        ("EL1:abc", {"base45_invalid"}),
        ("EL1:" + "0" * 30, {"compression_invalid", "malformed"}),
        ("EL1:" + qr_envelope.wrap(b"\xa0")[4:], {"malformed"}),  # valid zlib, CBOR {} not COSE
    ],
    ids=["no-prefix", "empty", "future-version", "lowercase", "not-zlib", "not-cose"],
)
def test_garbage_is_a_malformed_verdict(client: TestClient, qr: str, codes: set[str]) -> None:
    verdict = verify(client, qr)
    assert verdict["valid"] is False
    assert verdict["code"] in codes, verdict
    assert verdict["message"]


def test_truncated_credential(client: TestClient, admin_headers: dict[str, str]) -> None:
    qr = mint(client, admin_headers, "resident_id")["qr"]
    cut = qr[: len(qr) // 2]
    cut = cut[: 4 + (len(cut) - 4) // 3 * 3]  # whole Base45 groups, so only zlib can complain
    verdict = verify(client, cut)
    assert verdict["valid"] is False
    assert verdict["code"] in {"truncated", "compression_invalid"}, verdict


def test_a_zlib_bomb_is_refused(client: TestClient) -> None:
    bomb = qr_envelope.wrap(b"\x00" * (1024 * 1024))
    assert len(bomb) <= 4296
    verdict = verify(client, bomb)
    assert verdict["valid"] is False
    assert verdict["code"] == "inflate_limit_exceeded"


def test_qr_text_over_4296_chars_is_a_payload_too_large_verdict(client: TestClient) -> None:
    verdict = verify(client, "EL1:" + "A" * 4293)  # 4297 characters
    assert verdict["valid"] is False
    assert verdict["code"] == "payload_too_large"
    at_limit = verify(client, "EL1:" + "A" * 4292)  # 4296 characters: judged on content
    assert at_limit["code"] != "payload_too_large"
