"""Signed dates outside what ``datetime`` holds still get a typed verdict, never a crash."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from issuers.catalogue import get_type
from issuers.crypto.keys import SigningKey
from issuers.errors import ClaimsInvalid, Expired, NotYetValid
from issuers.formats import cose_sign1, qr_envelope
from issuers.minting import build_record
from issuers.registry import StaticKeyResolver, TrustedKey
from verifiers.qr import verify_qr
from wallet.server import demo

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _signed_with(**claim_overrides: int | None) -> tuple[str, StaticKeyResolver]:
    issuers = {i.uscc: i for i in demo.sample_issuers()}
    item = next(c for c in demo.load_json("certificates.json") if c["type"] == "resident_id")
    issuer = issuers[item["issuer"]]
    record = build_record(get_type("resident_id"), issuer, item["fields"], serial=7, now=NOW)
    claims = dataclasses.replace(record.claims(), **claim_overrides)
    key = SigningKey.generate()
    qr = qr_envelope.wrap(cose_sign1.sign(claims.to_cbor(), key, kid=key.public.thumbprint))
    return qr, StaticKeyResolver([TrustedKey(key.public, issuer)])


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"expires": -(2**62)}, Expired),
        ({"not_before": 2**62}, NotYetValid),
        ({"expires": 253402300800}, ClaimsInvalid),  # year 10000: valid window, unshowable
        ({"issued_at": -(2**62)}, ClaimsInvalid),
    ],
    ids=["exp-far-past", "nbf-far-future", "exp-year-10000", "iat-far-past"],
)
def test_out_of_range_dates_get_typed_errors(
    overrides: dict[str, int], error: type[Exception]
) -> None:
    qr, keys = _signed_with(**overrides)
    with pytest.raises(error):
        verify_qr(qr, keys=keys, now=NOW)


def test_a_normal_credential_still_verifies() -> None:
    qr, keys = _signed_with()
    assert verify_qr(qr, keys=keys, now=NOW).type_slug == "resident_id"
