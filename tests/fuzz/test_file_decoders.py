"""Hypothesis: the decoders of files and command-line input keep to their contracts for
anything written into them.

Decoders covered here, each with its documented contract (these are not HTTP input, so
some answer with the local branch of the error tree in issuers/errors):

- the offline cache (``verifiers.offline.cache.CacheDir.trust_lists`` /
  ``status_lists`` and ``verifiers.offline.verifier.OfflineVerifier.load``): any bytes
  in a document or its ``.meta.json`` sidecar, any JSON in the sidecar, a mutated
  signed trust list: reading never raises; each bad file is a problem reported.
- trust anchor files (``verifiers.offline.anchors.read_anchor_file``,
  ``parse_anchors``): InvalidInput.
- bundle definitions (``wallet.bundles.definitions.read_definition``): any bytes, and
  the sample definition with one value replaced anywhere in it: BundleDefinitionError.
- claim paths of definitions (``wallet.bundles.definitions.paths``: ``parse_claim_path``
  ValueError, ``read_claim`` LookupError for what is absent, ``path_problem`` a message).
- ``elicense import``'s JSON Lines (``issuers.store.bulk_import.parse_line``): a
  request, a BadLine naming why, or None; never raises.
- the CLI's inputs (``wallet.cli.fields.parse_json`` / ``parse_field_args``: UsageError;
  the argparse types of ``wallet.cli.inputs``: ArgumentTypeError).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from issuers.catalogue import get_type
from issuers.crypto.keys import SigningKey
from issuers.errors import BundleDefinitionError, InvalidInput, UsageError
from issuers.store.bulk_import import parse_line
from issuers.trust import (
    KeyEntry,
    TrustAnchor,
    TrustedIssuerEntry,
    sign_trust_list,
    trust_list_from_issuers,
)
from tests.fuzz.kit import FUZZ, JSON_VALUES, NESTED_JSON, mutated, mutated_text
from verifiers.offline.anchors import parse_anchors, read_anchor_file
from verifiers.offline.cache import CacheDir, status_file_stem
from verifiers.offline.verifier import OfflineVerifier
from wallet.bundles.definitions import read_definition
from wallet.bundles.definitions.paths import parse_claim_path, path_problem, read_claim
from wallet.cli.fields import parse_field_args, parse_json
from wallet.cli.inputs import aware_datetime, base64url_bytes, bounded_int
from wallet.server import demo

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
ANCHOR = SigningKey.from_seed(b"\x32" * 32)
ANCHORS = [TrustAnchor(ANCHOR.public, "310000")]
ISSUER = next(i for i in demo.sample_issuers() if i.uscc.startswith("1131"))
TRUST_LIST = sign_trust_list(
    trust_list_from_issuers(
        "310000",
        [TrustedIssuerEntry(ISSUER, (KeyEntry.of(SigningKey.from_seed(b"\x05" * 32).public),))],
        sequence=1,
        now=NOW - timedelta(hours=1),
        validity=timedelta(days=7),
    ),
    ANCHOR,
)
URI = "https://example.test/status/113100000000000017/1"
SAMPLE_ID = next(c for c in demo.load_json("certificates.json") if c["type"] == "resident_id")
SAMPLE_BUNDLE = Path(__file__).resolve().parents[2] / "samples" / "bundles" / "newborn.json"
META = st.dictionaries(
    st.sampled_from(["region_code", "uri", "issuer", "fetched_at", "source", "x"]),
    JSON_VALUES
    | st.sampled_from(["310000", URI, NOW.isoformat(), "2026-11-02T08:00:00", "\ud800"]),
    max_size=5,
)


@contextlib.contextmanager
def cache_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as root:
        cache = CacheDir(Path(root))
        cache.ensure()
        yield Path(root)


def _write(path: Path, data: bytes | str | dict[str, Any]) -> None:
    if isinstance(data, dict):
        data = json.dumps(data, ensure_ascii=False)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))


def _read_everything(root: Path) -> None:
    """Every reader of the cache: none may raise."""
    cache = CacheDir(root)
    cache.trust_lists()
    cache.status_lists()
    cache.trust_list("310000")
    cache.status_list(URI)
    OfflineVerifier.load(root, anchors=ANCHORS, now=NOW)


# --- the offline cache -----------------------------------------------------------------


def test_the_valid_cache_loads() -> None:
    with cache_dir() as root:
        CacheDir(root).write_trust_list("310000", TRUST_LIST, fetched_at=NOW, source=None)
        verifier = OfflineVerifier.load(root, anchors=ANCHORS, now=NOW)
        assert not verifier.report.problems
        assert len(verifier.resolver.trust_lists) == 1


@given(st.binary(max_size=300), st.binary(max_size=300) | META.map(json.dumps).map(str.encode))
@FUZZ
def test_cache_files_of_any_bytes(document: bytes, meta: bytes) -> None:
    with cache_dir() as root:
        _write(root / "trust" / "310000.jwt", document)
        _write(root / "trust" / "310000.meta.json", meta)
        stem = status_file_stem(URI)
        _write(root / "status" / f"{stem}.jwt", document)
        _write(root / "status" / f"{stem}.meta.json", meta)
        _read_everything(root)


@given(META, META)
@FUZZ
def test_cache_sidecars_of_any_json(
    trust_meta: dict[str, Any], status_meta: dict[str, Any]
) -> None:
    with cache_dir() as root:
        _write(root / "trust" / "310000.jwt", TRUST_LIST)
        _write(root / "trust" / "310000.meta.json", trust_meta)
        stem = status_file_stem(URI)
        _write(root / "status" / f"{stem}.jwt", TRUST_LIST)
        _write(root / "status" / f"{stem}.meta.json", status_meta)
        _read_everything(root)


@given(st.data())
@FUZZ
def test_cache_with_a_mutated_trust_list(data: st.DataObject) -> None:
    with cache_dir() as root:
        CacheDir(root).write_trust_list("310000", TRUST_LIST, fetched_at=NOW, source="x")
        _write(root / "trust" / "310000.jwt", data.draw(mutated_text(TRUST_LIST)))
        _read_everything(root)


# --- anchor files ------------------------------------------------------------------------


@given(st.binary(max_size=400) | JSON_VALUES.map(lambda v: json.dumps(v).encode()) | NESTED_JSON)
@FUZZ
def test_anchor_file_of_any_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as root:
        path = Path(root) / "anchor.json"
        path.write_bytes(data)
        with contextlib.suppress(InvalidInput):
            read_anchor_file(path)


_ANCHOR_ENTRY = {"region_code": "310000", "jwk": ANCHOR.public.to_jwk()}


@given(
    JSON_VALUES,
    st.sampled_from(["region_code", "jwk", "kty", "crv", "x", "kid", "alg", "d"]),
    st.booleans(),
)
@FUZZ
def test_anchor_entries_with_one_value_replaced(value: Any, name: str, inner: bool) -> None:
    entry = copy.deepcopy(_ANCHOR_ENTRY)
    (entry["jwk"] if inner else entry)[name] = value
    for document in (entry, [entry], [_ANCHOR_ENTRY, entry], value):
        with contextlib.suppress(InvalidInput):
            parse_anchors(document, source="fuzz")


# --- bundle definitions --------------------------------------------------------------


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        yield (*prefix, key)
        if isinstance(child, dict | list):
            yield from _paths(child, (*prefix, key))


DEFINITION = json.loads(SAMPLE_BUNDLE.read_text(encoding="utf-8"))
DEFINITION_PATHS = sorted(_paths(DEFINITION), key=repr)


def _read(document: bytes) -> None:
    with tempfile.TemporaryDirectory() as root:
        path = Path(root) / "newborn.json"
        path.write_bytes(document)
        with contextlib.suppress(BundleDefinitionError):
            read_definition(path, handler_names=None)


def test_the_sample_definition_reads() -> None:
    read_definition(SAMPLE_BUNDLE, handler_names=None)


@given(st.data())
@FUZZ
def test_definition_of_any_bytes(data: st.DataObject) -> None:
    raw = SAMPLE_BUNDLE.read_bytes()
    _read(data.draw(st.binary(max_size=300) | mutated(raw) | NESTED_JSON))


@given(st.sampled_from(DEFINITION_PATHS), JSON_VALUES)
@FUZZ
def test_definition_with_one_value_replaced(path: tuple[Any, ...], value: Any) -> None:
    document = copy.deepcopy(DEFINITION)
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    _read(json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass"))


# --- command-line input --------------------------------------------------------------

FIELD_SCHEMA = get_type("household_register").model.model_json_schema()  # as elicense mint


@given(st.text(max_size=200) | NESTED_JSON.map(bytes.decode))
@FUZZ
def test_cli_json_of_any_text(text: str) -> None:
    with contextlib.suppress(UsageError):
        parse_json(text, "fuzz")


@given(st.lists(st.text(max_size=40) | st.from_regex(r"[a-z.]{0,12}=[\[{]?.{0,20}"), max_size=5))
@FUZZ
def test_cli_field_args_of_any_text(pairs: list[str]) -> None:
    with contextlib.suppress(UsageError):
        parse_field_args(pairs, FIELD_SCHEMA)
    with contextlib.suppress(UsageError):
        parse_field_args(pairs, {"properties": {"a": {"type": "integer"}}})


@pytest.mark.parametrize(
    "parse",
    [bounded_int(0, 65535), aware_datetime, base64url_bytes(16)],
    ids=["bounded_int", "aware_datetime", "base64url_bytes"],
)
@given(text=st.text(max_size=60) | st.from_regex(r"[0-9T:+Z.-]{0,40}"))
@FUZZ
def test_cli_argument_types_of_any_text(parse: Any, text: str) -> None:
    with contextlib.suppress(argparse.ArgumentTypeError):
        parse(text)


# --- claim paths of bundle definitions ----------------------------------------------


@given(
    st.text(max_size=40) | st.from_regex(r"[a-z_.\[\]=$]{0,30}", fullmatch=True),
    JSON_VALUES,
    st.none() | st.text(max_size=5),
)
@FUZZ
def test_claim_paths_of_any_text(path: str, claims: Any, holder: str | None) -> None:
    """parse_claim_path: ValueError; read_claim: ValueError or LookupError (absent)."""
    with contextlib.suppress(ValueError):
        parse_claim_path(path)
    with contextlib.suppress(ValueError, LookupError):
        read_claim(claims if isinstance(claims, dict) else {"x": claims}, path, holder)
    for model in (get_type("household_register").model, get_type("marriage").model):
        path_problem(model, path)  # a message or None, never an exception


# --- elicense import's JSON Lines ----------------------------------------------------

_LINE = {"type": "resident_id", "issuer": "113100000000000017", "fields": SAMPLE_ID["fields"]}


@given(
    st.binary(max_size=300)
    | JSON_VALUES.map(lambda v: json.dumps(v).encode())
    | NESTED_JSON
    | st.builds(
        lambda name, value: json.dumps({**_LINE, name: value}).encode(),
        st.sampled_from(
            ["type", "issuer", "fields", "holder", "valid_from", "valid_until", "mint_key", "x"]
        ),
        JSON_VALUES,
    )
    | st.builds(
        lambda name, value: json.dumps(
            {**_LINE, "fields": {**_LINE["fields"], name: value}}
        ).encode(),
        st.sampled_from([*sorted(SAMPLE_ID["fields"]), "x"]),
        JSON_VALUES,
    )
)
@FUZZ
def test_import_lines_of_any_bytes(raw: bytes) -> None:
    """parse_line: a request, a BadLine naming why, or None (blank); never raises."""
    parse_line(7, raw)
