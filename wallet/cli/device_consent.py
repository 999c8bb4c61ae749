"""``elicense device approve|deny``: the phone decides an authorisation request (用证授权).

A holder whose key is on a device is the only one who can bind a share to that key, so
approving takes the device: the wallet first issues the shares and hands back, per
certificate, the KB-JWT signing input (``POST .../prepare``); the device signs each with
its key and the approval carries the signatures (``POST .../approve``), which the wallet
checks with the registered device key before it keeps anything.

The device signs nothing blindly: each input must be the signing input of a KB-JWT
(header ``typ`` ``kb+jwt`` and the key's own ``alg``; payload exactly ``iat``, ``aud``,
``nonce``, ``sd_hash``) for a certificate the request's preview shows this party
sharing. Anything else is refused as :class:`~issuers.errors.Malformed` before a single
signature is made, so a wallet that misbehaves cannot use the phone as a signing oracle
for other messages. Output is JSON: what was decided, for whom and with what.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from issuers.crypto.base64url import parse_b64url
from issuers.crypto.keys import SigningKey, b64url
from issuers.errors import Malformed
from issuers.formats.sd_jwt import KB_JWT_TYP
from wallet.cli.device import PASSWORD_ENV, WalletClient, read_key
from wallet.cli.fields import UsageError
from wallet.cli.inputs import read_password

EXIT_OK = 0
KB_PAYLOAD_CLAIMS = frozenset({"iat", "aud", "nonce", "sd_hash"})
MAX_SIGNING_INPUTS = 64  # far more certificates than any bundle item asks one party for


def add_consent_actions(actions: Any, citizen: argparse.ArgumentParser) -> None:
    """Add ``approve`` and ``deny`` under ``elicense device``."""
    approve = actions.add_parser(
        "approve",
        parents=[citizen],
        help="approve an authorisation request, signing the shares with the key in --key",
    )
    approve.add_argument(
        "--key", type=Path, required=True, metavar="FILE", help="the key `device register` bound"
    )
    _request_options(approve)
    approve.set_defaults(handler=_approve)
    deny = actions.add_parser("deny", parents=[citizen], help="deny an authorisation request")
    _request_options(deny)
    deny.set_defaults(handler=_deny)


def _request_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--request", required=True, metavar="ID", help="the request's id")
    parser.add_argument(
        "--on-behalf-of",
        metavar="ID_NUMBER",
        help="decide for this holder (a minor child, or a holder who delegated to you)",
    )


def _approve(args: argparse.Namespace) -> int:
    if not args.key.exists():
        raise UsageError(f"{args.key}: no such key file (run `elicense device register`)")
    key = read_key(args.key)
    path = _request_path(args.request)
    body = _decision_body(args)
    with _session(args) as client:
        shown = client.call("GET", path)
        holder = args.on_behalf_of or args.id_number
        expected = _previewed_identifiers(shown, holder)
        inputs = client.call("POST", f"{path}/prepare", body).get("key_binding_inputs")
        signatures = sign_key_binding_inputs(key, inputs, expected)
        answer = client.call(
            "POST", f"{path}/approve", {**body, "key_binding_signatures": signatures}
        )
    _print(_outcome(answer, "approved", holder, sorted(signatures)))
    return EXIT_OK


def _deny(args: argparse.Namespace) -> int:
    path = _request_path(args.request)
    with _session(args) as client:
        answer = client.call("POST", f"{path}/deny", _decision_body(args))
    _print(_outcome(answer, "denied", args.on_behalf_of or args.id_number, []))
    return EXIT_OK


def sign_key_binding_inputs(
    key: SigningKey, inputs: Any, expected: frozenset[str]
) -> dict[str, str]:
    """``{identifier: base64url(signature)}`` over each KB-JWT signing input, after every
    input is checked (see the module docstring): all or nothing."""
    if not isinstance(inputs, dict) or not 0 < len(inputs) <= MAX_SIGNING_INPUTS:
        raise Malformed("the wallet sent no KB-JWT signing inputs to sign")
    checked: dict[str, bytes] = {}
    for identifier, encoded in inputs.items():
        if identifier not in expected:
            raise Malformed(
                f"the wallet asked to sign for {identifier!r}, which this request does not "
                "share for this holder",
                field="key_binding_inputs",
            )
        checked[identifier] = _key_binding_input(encoded, key.alg.value)
    return {identifier: b64url(key.sign(data)) for identifier, data in checked.items()}


def _key_binding_input(encoded: Any, alg: str) -> bytes:
    """The signing input ``encoded`` names, if it is a KB-JWT's for a key of ``alg``."""
    refused = Malformed("the wallet asked to sign something that is not a KB-JWT for this key")
    try:
        data = parse_b64url(str(encoded))
        header_part, payload_part = data.decode("ascii").split(".")
        header = json.loads(parse_b64url(header_part))
        payload = json.loads(parse_b64url(payload_part))
    # UnicodeDecodeError and JSONDecodeError are ValueErrors too; "[[[[...": RecursionError
    except (ValueError, RecursionError):
        raise refused from None
    if header != {"typ": KB_JWT_TYP, "alg": alg}:
        raise refused
    if not isinstance(payload, dict) or set(payload) != KB_PAYLOAD_CLAIMS:
        raise refused
    if type(payload["iat"]) is not int or not all(
        isinstance(payload[claim], str) and payload[claim] for claim in ("aud", "nonce", "sd_hash")
    ):
        raise refused
    return data


def _previewed_identifiers(shown: dict[str, Any], holder: str) -> frozenset[str]:
    """The certificates the request's preview shows ``holder``'s party sharing."""
    for party in shown.get("mine") or []:
        if isinstance(party, dict) and party.get("holder_id_number") == holder:
            return frozenset(
                str(c["identifier"])
                for c in party.get("certificates") or []
                if isinstance(c, dict) and c.get("identifier")
            )
    return frozenset()


def _outcome(
    answer: dict[str, Any], decision: str, holder: str, signed: list[str]
) -> dict[str, Any]:
    item = answer.get("item") or {}
    return {
        "request": answer.get("id"),
        "decision": decision,
        "holder": holder,
        "state": answer.get("state"),
        "service_name": answer.get("service_name"),
        "purpose": answer.get("purpose"),
        "bundle_item": item.get("code") if isinstance(item, dict) else None,
        "signed": signed,
    }


def _request_path(request_id: str) -> str:
    return f"/wallet/consent/requests/{quote(request_id, safe='')}"


def _decision_body(args: argparse.Namespace) -> dict[str, Any]:
    return {} if args.on_behalf_of is None else {"on_behalf_of": args.on_behalf_of}


def _session(args: argparse.Namespace) -> WalletClient:
    password = read_password(PASSWORD_ENV)
    return WalletClient(args.server, args.id_number, password, timeout=args.timeout)


def _print(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))
