"""``elicense clients add|list|disable|rotate-secret``: the service clients, as the admin
routes under ``/admin/clients`` manage them, from the shell. Output is JSON; a secret
is printed this once and stored nowhere but as its hash."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from wallet.cli.fields import UsageError
from wallet.clients.records import ServiceClient

_MAX_JWK_BYTES = 4096


def add_client_verbs(verbs: Any, common: argparse.ArgumentParser) -> None:
    clients = verbs.add_parser("clients", help="service clients (OAuth client credentials)")
    client_verbs = clients.add_subparsers(dest="clients_verb", required=True)
    add = client_verbs.add_parser(
        "add", parents=[common], help="register a client; prints its secret once"
    )
    add.add_argument("--name", required=True, help="e.g. 徐汇公安分局户政")
    add.add_argument("--uscc", required=True, help="the department's 统一社会信用代码")
    add.add_argument(
        "--item",
        action="append",
        required=True,
        dest="items",
        help="a bundle item it serves, e.g. birth_registration (repeat for more)",
    )
    add.add_argument("--client-id", help="a chosen id, [a-z0-9-]{3,40}; else svc_<random>")
    add.add_argument(
        "--jwk-file",
        type=Path,
        help="its public JWK (Ed25519, P-256 or SM2): private_key_jwt instead of a secret",
    )
    add.set_defaults(handler=_add)
    listing = client_verbs.add_parser("list", parents=[common], help="every client")
    listing.set_defaults(handler=_list)
    disable = client_verbs.add_parser(
        "disable", parents=[common], help="its tokens stop working now"
    )
    disable.add_argument("client_id")
    disable.set_defaults(handler=_disable)
    rotate = client_verbs.add_parser(
        "rotate-secret", parents=[common], help="a new secret, printed once; the old one stops"
    )
    rotate.add_argument("client_id")
    rotate.set_defaults(handler=_rotate)


def _add(args: argparse.Namespace) -> int:
    from wallet.cli.local import local_services

    jwk = None if args.jwk_file is None else _read_jwk(args.jwk_file)
    method = "client_secret_basic" if jwk is None else "private_key_jwt"
    with local_services() as services:
        client, secret = services.clients.add(
            args.name, args.uscc, args.items, method, jwk, args.client_id
        )
    _print({"client": _public(client), "client_secret": secret})
    return 0


def _list(args: argparse.Namespace) -> int:
    from wallet.cli.local import local_services

    with local_services() as services:
        clients = services.clients.list()
    _print([_public(client) for client in clients])
    return 0


def _disable(args: argparse.Namespace) -> int:
    from wallet.cli.local import local_services

    with local_services() as services:
        client = services.clients.disable(args.client_id)
    _print(_public(client))
    return 0


def _rotate(args: argparse.Namespace) -> int:
    from wallet.cli.local import local_services

    with local_services() as services:
        secret = services.clients.rotate_secret(args.client_id)
    _print({"client_id": args.client_id, "client_secret": secret})
    return 0


def _read_jwk(path: Path) -> dict[str, Any]:
    data = path.read_bytes()[: _MAX_JWK_BYTES + 1]
    if len(data) > _MAX_JWK_BYTES:
        raise UsageError(f"{path}: a JWK is at most {_MAX_JWK_BYTES} bytes")
    try:
        jwk = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # "[[[[...": RecursionError
        raise UsageError(f"{path}: not a JSON object (a JWK)") from None
    if not isinstance(jwk, dict):
        raise UsageError(f"{path}: not a JSON object (a JWK)")
    return jwk


def _public(client: ServiceClient) -> dict[str, Any]:
    return {
        "client_id": client.client_id,
        "name": client.name,
        "uscc": client.uscc,
        "bundle_items": list(client.bundle_items),
        "auth_method": client.auth_method,
        "public_jwk": client.public_jwk,
        "disabled": client.disabled,
        "created_at": client.created_at.isoformat(),
    }


def _print(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))
