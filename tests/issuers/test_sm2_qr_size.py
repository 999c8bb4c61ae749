"""Issue 13: every credential type of the catalogue still fits QR version 20 at level M
with an SM2 (国密) issuer key and an SM2 holder key.

DESIGN.md holds a QR credential to version 20, level M (970 Base45 characters). An SM2
issuer signature is 64 bytes (r ‖ s) like Ed25519's and ES256's and its kid the same
32-byte thumbprint; what SM2 adds is a two-byte COSE alg (-48) and, in ``cnf``, an EC2
COSE_Key with the five-byte private-use crv -65537 and the sign of y: about 8 Base45
characters against Ed25519. Each type's sample certificate (``samples/certificates.json``,
and ``samples/vector_certificates.json`` for the types only bundles mint) is drawn as a
QR code by ``issuers.formats.qr_image`` (the smallest version that holds it) and
verified:

* the credential (``EL1:``) carrying a status reference as long as a deployment's;
* its live presentation (``ELP1:``) signed by the SM2 holder key with the largest nonce,
  over the credential without a status reference, as
  ``tests/verifiers/test_presentation.py`` checks the sample types for every algorithm.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from issuers.catalogue import CATALOGUE
from issuers.crypto.keys import Algorithm, SigningKey
from issuers.formats import presentation
from issuers.formats.cwt import StatusReference
from issuers.formats.qr_image import qr_matrix
from issuers.minting import build_record, sign_qr
from issuers.registry import StaticKeyResolver, TrustedKey
from tests.helpers import SAMPLES
from verifiers.presentation import verify_presentation
from verifiers.qr import verify_qr
from wallet.server import demo

NOW = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
MAX_VERSION = 20
# A long deployment address and a status index of a list with millions of entries.
STATUS_BASE = "https://elicense.zwfw.example.gov.cn/status"
STATUS_INDEX = 9_999_999


def _samples() -> dict[str, dict[str, Any]]:
    items: dict[str, dict[str, Any]] = {}
    for name in ("certificates.json", "vector_certificates.json"):
        for item in json.loads((SAMPLES / name).read_text("utf-8")):
            items.setdefault(item["type"], item)
    return items


SAMPLE_BY_TYPE = _samples()
ISSUERS = {info.uscc: info for info in demo.sample_issuers()}


def test_the_samples_cover_the_whole_catalogue() -> None:
    assert set(SAMPLE_BY_TYPE) == set(CATALOGUE)


def _sm2_minted(type_slug: str, *, with_status: bool) -> tuple[str, SigningKey, Any]:
    """The sample of ``type_slug`` signed by a fresh SM2 issuer key, bound to a fresh
    SM2 holder key; the QR text, the holder key and the trusted issuer key."""
    item = SAMPLE_BY_TYPE[type_slug]
    issuer = ISSUERS[item["issuer"]]
    issuer_key, holder_key = SigningKey.generate(Algorithm.SM2), SigningKey.generate(Algorithm.SM2)
    status = StatusReference(STATUS_INDEX, f"{STATUS_BASE}/{issuer.uscc}/1000")
    record = build_record(
        CATALOGUE[type_slug],
        issuer,
        item["fields"],
        serial=99_999_999,
        now=NOW - timedelta(days=1),
        status=status if with_status else None,
        holder_key=holder_key.public,
    )
    keys = StaticKeyResolver([TrustedKey(issuer_key.public, issuer)])
    return sign_qr(record, issuer_key), holder_key, keys


@pytest.mark.parametrize("type_slug", sorted(CATALOGUE))
def test_an_sm2_credential_fits_version_20_level_m(type_slug: str) -> None:
    qr, _, keys = _sm2_minted(type_slug, with_status=True)
    assert qr_matrix(qr, max_version=40).version <= MAX_VERSION
    verified = verify_qr(qr, keys=keys, now=NOW)
    assert (verified.type_slug, verified.alg) == (type_slug, "SM2")


@pytest.mark.parametrize("type_slug", sorted(CATALOGUE))
def test_its_sm2_presentation_fits_version_20_level_m(type_slug: str) -> None:
    qr, holder_key, keys = _sm2_minted(type_slug, with_status=False)
    nonce = os.urandom(presentation.MAX_NONCE_BYTES)  # the largest nonce, incompressible
    shown = presentation.present(qr, holder_key, now=NOW, nonce=nonce)
    assert qr_matrix(shown, max_version=40).version <= MAX_VERSION
    assert verify_presentation(shown, keys=keys, now=NOW, expected_nonce=nonce)
