"""A verified credential's fields are built when first read, and are what they were.

:class:`verifiers.result.VerifiedCredential` keeps the validated model and dumps its
JSON-ready fields on the first read of ``.fields`` (a caller that wants only the
verdict never pays for the dump). For every type of the demo's samples, the fields read
are the type's ``public_fields`` of the model, the same object on a second read, and
the type's slug and names come from the certificate type.
"""

from __future__ import annotations

from typing import Any

import pytest

from issuers.catalogue import get_type
from issuers.crypto.keys import SigningKey
from issuers.minting import build_record, sign_qr
from issuers.registry import StaticKeyResolver, TrustedKey
from verifiers.qr import verify_qr
from wallet.server import demo

from .test_presentation import NOW

SAMPLES: list[dict[str, Any]] = demo.load_json("certificates.json")
ISSUERS = {issuer.uscc: issuer for issuer in demo.sample_issuers()}
KEY = SigningKey.from_seed(bytes(range(32)))


@pytest.mark.parametrize("item", SAMPLES, ids=[item["type"] for item in SAMPLES])
def test_fields_are_the_public_fields(item: dict[str, Any]) -> None:
    certificate_type = get_type(item["type"])
    issuer = ISSUERS[item["issuer"]]
    record = build_record(certificate_type, issuer, item["fields"], serial=1, now=NOW)
    keys = StaticKeyResolver([TrustedKey(KEY.public, issuer)])
    result = verify_qr(sign_qr(record, KEY), keys=keys, now=NOW)
    fields = result.fields
    assert fields == certificate_type.public_fields(record.fields)
    assert result.fields is fields  # built once
    assert (result.type_slug, result.type_name_zh, result.type_name_en) == (
        certificate_type.slug,
        certificate_type.name_zh,
        certificate_type.name_en,
    )
    assert result.kid == KEY.public.kid
