"""``elicense issuers load FILE`` and ``elicense issuers list``: the issuers a platform serves.

Outside demo mode nothing registers issuers by itself: the operator loads them from a
JSON file, an array of objects in the format of ``samples/issuers.json``::

    {"uscc": "113100000000000017", "name_zh": "上海市公安局",
     "name_en": "Shanghai Municipal Public Security Bureau",
     "region_code": "310000", "allowed_types": ["resident_id", "household_register"]}

Every entry is checked before any is registered (the USCC's and the region code's
check rules, the region in the USCC's province, printable names as a trust list
needs them, known certificate types, no USCC twice): a bad file changes nothing and
the error names the entry and the field. Loading is idempotent: an issuer already
registered is updated (names, region, types) and keeps its keys; a new one gets a
signing key, Ed25519 unless ``--alg`` names ES256 or SM2 (国密; ``elicense keys rotate
USCC --alg SM2`` moves one already registered).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from issuers.catalogue import CATALOGUE
from issuers.codes.gb2260 import validate_region
from issuers.codes.gb32100 import registration_region, validate_uscc
from issuers.crypto.keys import Algorithm
from issuers.errors import InvalidInput
from issuers.registry import IssuerInfo

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_TEXT = 200  # as a trust list's names
_FIELDS = {"uscc", "name_zh", "name_en", "region_code", "allowed_types"}


def add_issuer_verbs(verbs: Any, common: argparse.ArgumentParser) -> None:
    issuers = verbs.add_parser("issuers", help="the issuers this platform serves")
    actions = issuers.add_subparsers(dest="issuers_verb", required=True)
    load = actions.add_parser(
        "load", parents=[common], help="register or update issuers from a JSON file"
    )
    load.add_argument("file", type=Path, help="an array like samples/issuers.json")
    load.add_argument(
        "--alg",
        choices=[a.value for a in Algorithm],
        default="EdDSA",
        help="the signing key of an issuer new here (SM2: 国密); one registered keeps its own",
    )
    load.add_argument("--json", action="store_true")
    load.set_defaults(handler=_load)
    listing = actions.add_parser("list", parents=[common], help="the registered issuers (JSON)")
    listing.set_defaults(handler=_list)


def read_issuers(path: Path) -> list[IssuerInfo]:
    """The file's issuers, every entry checked; InvalidInput naming the first bad one."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInput(f"{path} is over {MAX_FILE_BYTES} bytes", field="file")
    try:
        entries = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as exc:  # JSON, UTF-8; "[[[[...": RecursionError
        raise InvalidInput(f"{path} is not JSON: {exc}", field="file") from None
    if not isinstance(entries, list):
        raise InvalidInput(f"{path}: expected an array of issuers", field="file")
    issuers = [_issuer(entry, f"[{index}]") for index, entry in enumerate(entries)]
    seen: set[str] = set()
    for index, info in enumerate(issuers):
        if info.uscc in seen:
            raise InvalidInput(f"[{index}].uscc: {info.uscc} appears twice", field="uscc")
        seen.add(info.uscc)
    return issuers


def _issuer(entry: object, where: str) -> IssuerInfo:
    if not isinstance(entry, dict) or set(entry) != _FIELDS:
        raise InvalidInput(f"{where}: expected exactly the keys {sorted(_FIELDS)}", field="file")
    texts = {k: entry[k] for k in _FIELDS - {"allowed_types"}}
    for key, value in texts.items():
        if (
            not isinstance(value, str)
            or not value.strip()
            or len(value) > MAX_TEXT
            or not value.isprintable()  # as the trust list requires: no controls, no
        ):  # bidi overrides, no lone surrogates (publish would refuse the whole list)
            raise InvalidInput(
                f"{where}.{key}: printable text of 1-{MAX_TEXT} characters", field=key
            )
    types = entry["allowed_types"]
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise InvalidInput(f"{where}.allowed_types: a list of type slugs", field="allowed_types")
    unknown = sorted(set(types) - set(CATALOGUE))
    if unknown:
        raise InvalidInput(f"{where}.allowed_types: unknown {unknown}", field="allowed_types")
    try:
        uscc = validate_uscc(texts["uscc"])
        region = validate_region(texts["region_code"])
    except InvalidInput as exc:
        raise InvalidInput(f"{where}.{exc.field}: {exc.message}", field=exc.field) from None
    registered = registration_region(uscc)
    if registered[:2] != region[:2]:  # its province's trust list would leave it out
        raise InvalidInput(
            f"{where}.region_code: {region} is not in the province where the USCC was "
            f"registered ({registered})",
            field="region_code",
        )
    return IssuerInfo(
        uscc=uscc,
        name_zh=texts["name_zh"],
        name_en=texts["name_en"],
        region_code=region,
        allowed_types=frozenset(types),
    )


def _load(args: argparse.Namespace) -> int:
    from wallet.cli.local import local_services

    issuers = read_issuers(args.file)
    with local_services() as services:
        alg = Algorithm(args.alg)
        kids = {info.uscc: services.issuance.register_issuer(info, alg) for info in issuers}
    if args.json:
        print(json.dumps({"registered": kids}, ensure_ascii=False))
    else:
        print(f"elicense: {len(kids)} issuers registered or updated from {args.file}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from issuers.store import repository as repo
    from wallet.cli.local import local_services

    with local_services() as services, services.issuance.engine.connect() as conn:
        rows = repo.list_issuers(conn)
    out = [
        {
            "uscc": info.uscc,
            "name_zh": info.name_zh,
            "name_en": info.name_en,
            "region_code": info.region_code,
            "allowed_types": sorted(info.allowed_types),
        }
        for info in rows
    ]
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0
