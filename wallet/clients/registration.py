"""What makes a client registration acceptable, checked before anything is stored:
the names, the department's 统一社会信用代码, the bundle items, the credentials."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from typing import Any, get_args

from issuers.codes import validate_uscc
from issuers.errors import InvalidInput
from wallet.clients.assertion import public_jwk
from wallet.clients.records import AuthMethod

__all__ = [
    "MAX_ITEMS",
    "MAX_NAME_LENGTH",
    "MIN_SECRET_LENGTH",
    "checked_auth",
    "checked_client_id",
    "checked_items",
    "checked_name",
    "checked_uscc",
    "new_client_id",
    "new_secret",
]

MAX_NAME_LENGTH = 100
MAX_ITEMS = 20
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})  # Unicode control, format, unassigned
MIN_SECRET_LENGTH = 16  # a chosen secret (the demo's); made ones have 256 bits
# An operator's slug; made ids are "svc_" + hex, with an underscore no slug has.
_SLUG = re.compile(r"[a-z0-9-]{3,40}")


def new_client_id() -> str:
    return "svc_" + secrets.token_hex(8)


def new_secret(chosen: str | None = None) -> str:
    """A client secret: 256 random bits, or a chosen one (the demo's published ones)."""
    if chosen is None:
        return secrets.token_urlsafe(32)
    if len(chosen) < MIN_SECRET_LENGTH:
        raise InvalidInput(
            f"a chosen secret has at least {MIN_SECRET_LENGTH} characters", field="secret"
        )
    return chosen


def checked_client_id(client_id: str | None) -> str:
    if client_id is None:
        return new_client_id()
    if not _SLUG.fullmatch(client_id):
        raise InvalidInput("client_id must be 3-40 of a-z, 0-9 and -", field="client_id")
    return client_id


def checked_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise InvalidInput(f"name must be 1-{MAX_NAME_LENGTH} characters", field="name")
    if any(unicodedata.category(char) in _HIDDEN for char in name):
        # Citizens read the name as who is asking: a control or format character (NUL,
        # line break, bidi override, zero width) could hide or reorder it, and
        # PostgreSQL text refuses NUL outright.
        raise InvalidInput("name may not hold control or invisible characters", field="name")
    return name


def checked_items(items: Iterable[str], known: Collection[str]) -> tuple[str, ...]:
    """The items, each once, in the order given; each must be a known bundle item."""
    chosen = tuple(dict.fromkeys(items))
    if not 1 <= len(chosen) <= MAX_ITEMS:
        raise InvalidInput(f"give 1-{MAX_ITEMS} bundle items", field="bundle_items")
    for index, item in enumerate(chosen):
        if item not in known:
            raise InvalidInput(
                f"{item!r} is not an item of any bundle in samples/bundles",
                field=f"bundle_items.{index}",
            )
    return chosen


def checked_auth(
    auth_method: str, jwk: Mapping[str, Any] | None
) -> tuple[AuthMethod, dict[str, Any] | None]:
    """The method and, for private_key_jwt, the public key as registered."""
    if auth_method not in get_args(AuthMethod):
        raise InvalidInput(
            "auth_method must be client_secret_basic or private_key_jwt", field="auth_method"
        )
    if auth_method == "client_secret_basic":
        if jwk is not None:
            raise InvalidInput("a client_secret_basic client has no JWK", field="public_jwk")
        return "client_secret_basic", None
    if jwk is None:
        raise InvalidInput("a private_key_jwt client needs its public JWK", field="public_jwk")
    return "private_key_jwt", public_jwk(jwk)


def checked_uscc(uscc: str) -> str:
    return validate_uscc(uscc, field="uscc")
