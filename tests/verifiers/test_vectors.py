"""The test vectors in samples/vectors/ (STYLE.md item 7): one test per file.

Each file says which verdict ``verify_qr`` must reach at its ``validation_clock`` with
the one trusted key it names. The files are data, so this module also checks that
their layers agree with each other and that ``scripts/make_vectors.py`` still
produces them byte for byte.
"""

from __future__ import annotations

import importlib.util
import json
import zlib
from datetime import datetime
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import cbor2
import pytest

from issuers.crypto.keys import VerifyingKey, b64url, b64url_decode
from issuers.errors import ElicenseError, all_error_classes
from issuers.formats import base45, cose_sign1
from issuers.registry import IssuerInfo, StaticKeyResolver, TrustedKey
from verifiers.qr import verify_qr

ROOT = Path(__file__).resolve().parents[2]
VECTOR_DIR = ROOT / "samples" / "vectors"
VECTOR_FILES = sorted(VECTOR_DIR.glob("*.json"))
ERROR_BY_CODE = {cls.code: cls for cls in all_error_classes()}

# Vectors that are right but that the production code gets wrong today. Fix the code,
# and the strict xfail turns into a failure that asks for the entry to be removed.
KNOWN_BUGS: dict[str, tuple[type[Exception], str]] = {}


def _param(path: Path) -> Any:
    bug = KNOWN_BUGS.get(path.stem)
    marks = [] if bug is None else [pytest.mark.xfail(raises=bug[0], strict=True, reason=bug[1])]
    return pytest.param(path, id=path.stem, marks=marks)


VECTORS = [_param(path) for path in VECTOR_FILES]


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def trust_of(vector: dict[str, Any]) -> StaticKeyResolver:
    issuer = vector["issuer"]
    info = IssuerInfo(
        uscc=issuer["uscc"],
        name_zh=issuer["name_zh"],
        name_en=issuer["name_en"],
        region_code=issuer["region_code"],
        allowed_types=frozenset(issuer["allowed_types"]),
    )
    return StaticKeyResolver([TrustedKey(VerifyingKey.from_jwk(vector["public_jwk"]), info)])


def readable(value: Any) -> Any:
    """The README's JSON rendering of CBOR claims, written apart from the generator's."""
    if isinstance(value, dict):
        return {str(k): readable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [readable(v) for v in value]
    return value


def test_the_vector_set_covers_every_type_and_the_brief_cases() -> None:
    from issuers.catalogue import CATALOGUE
    from tests.interop.vector_files import REENCODED

    stems = {path.stem for path in VECTOR_FILES}
    assert {f"valid_{slug}" for slug in CATALOGUE} <= stems
    assert {
        "valid_es256_resident_id",
        "valid_sm2_resident_id",
        "tampered_signature",
        "tampered_payload",
        "wrong_key",
        "expired",
        "not_yet_valid",
        "truncated",
        "oversized",
        "zlib_bomb",
        "bad_base45",
        "unsupported_version",
        "not_zlib",
        "untrusted_issuer",
        "claims_invalid",
        # one encoding only (issue 8): re-encodings that keep a valid signature
        *REENCODED,
    } <= stems
    for path in VECTOR_FILES:
        expected = load(path)["expected"]
        if not expected["valid"]:
            assert expected["code"] in ERROR_BY_CODE, f"{path.stem}: unknown code"


@pytest.mark.parametrize("path", VECTORS)
def test_verify_qr_reaches_the_expected_verdict(path: Path) -> None:
    vector = load(path)
    expected = vector["expected"]
    keys = trust_of(vector)
    now = datetime.fromisoformat(vector["validation_clock"])
    if expected["valid"]:
        result = verify_qr(vector["qr"], keys=keys, now=now)
        assert result.type_slug == expected["type"] == vector["type"]
        assert result.identifier == expected["identifier"]
        assert result.kid == b64url(bytes.fromhex(vector["kid_hex"]))
        assert result.alg == vector["public_jwk"]["alg"]
        assert result.issuer.uscc == vector["issuer"]["uscc"]
        return
    error_class = ERROR_BY_CODE[expected["code"]]
    with pytest.raises(ElicenseError) as caught:
        verify_qr(vector["qr"], keys=keys, now=now)
    # Exactly this class: a Malformed where a Truncated is expected is a wrong verdict.
    assert type(caught.value) is error_class, caught.value.message
    assert caught.value.code == expected["code"]


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in VECTOR_FILES])
def test_layers_agree(path: Path) -> None:
    vector = load(path)
    layers = ("base45", "zlib_hex", "cose_hex", "cbor_hex", "claims")
    present = [vector[name] is not None for name in layers]
    if vector["expected"]["valid"]:
        assert all(present), "a valid vector carries every layer"
    # Layers stop at the first null: nothing below a missing layer is recorded.
    assert present == sorted(present, reverse=True)

    if vector["base45"] is not None:
        prefix, _, body = vector["qr"].partition(":")
        assert body == vector["base45"]
        assert len(prefix) == 3
    if vector["zlib_hex"] is not None:
        assert base45.decode(vector["base45"]).hex() == vector["zlib_hex"]
    if vector["cose_hex"] is not None:
        assert zlib.decompress(bytes.fromhex(vector["zlib_hex"])).hex() == vector["cose_hex"]
        cose = bytes.fromhex(vector["cose_hex"])
        if vector["expected"]["valid"]:
            message = cose_sign1.decode(cose)
            payload, kid = message.payload, message.kid
        else:  # the re-encoded cases (issue 8) are refused by our decoder: read the layers
            outer = cbor2.loads(cose)
            protected, _, payload, _ = outer.value if isinstance(outer, cbor2.CBORTag) else outer
            kid = cbor2.loads(protected)[4]
        assert payload.hex() == vector["cbor_hex"]
        assert kid.hex() == vector["kid_hex"]
    if vector["claims"] is not None:
        assert readable(cbor2.loads(bytes.fromhex(vector["cbor_hex"]))) == vector["claims"]


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in VECTOR_FILES])
def test_trusted_key_matches_the_signer_unless_the_case_is_the_wrong_key(path: Path) -> None:
    vector = load(path)
    jwk = vector["public_jwk"]
    thumbprint = VerifyingKey.from_jwk(jwk).thumbprint
    assert b64url_decode(jwk["kid"]) == thumbprint
    assert "d" not in jwk, "no private key material in vector files"
    if path.stem == "wrong_key":
        assert thumbprint.hex() != vector["kid_hex"]
    else:
        assert thumbprint.hex() == vector["kid_hex"]


@cache
def generator() -> ModuleType:
    path = ROOT / "scripts" / "make_vectors.py"
    spec = importlib.util.spec_from_file_location("make_vectors", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def regenerated() -> dict[str, str]:
    module = generator()
    return {name: module.render(vector) for name, vector in module.build_vectors().items()}


def test_generator_writes_exactly_the_committed_files() -> None:
    assert sorted(regenerated()) == [path.stem for path in VECTOR_FILES]


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in VECTOR_FILES])
def test_generator_reproduces_the_committed_file(path: Path) -> None:
    # Ed25519 (RFC 8032), the RFC 6979 ES256 signature and the generator's SM2 k are all
    # deterministic, so every byte must match; a diff means the code changed under them.
    produced = regenerated().get(path.stem)
    assert produced is not None, f"the generator no longer makes {path.name}"
    assert produced == path.read_text("utf-8"), (
        f"{path.name} is stale: run scripts/make_vectors.py and review the diff"
    )
