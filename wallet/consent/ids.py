"""Ids of requests (grants) and delegations: 192 random bits, base64url, never starting
with "-". A citizen types them after options (``elicense device approve --request ID``),
and argparse reads an argument that starts with "-" as an option: one id in 64 began
with one and could not be given that way."""

from __future__ import annotations

import secrets
from collections.abc import Callable

__all__ = ["new_id"]


def new_id(draw: Callable[[int], str] = secrets.token_urlsafe) -> str:
    """A fresh id (32 characters of A-Z a-z 0-9 _ -, the first one not "-")."""
    while True:
        drawn = draw(24)
        if not drawn.startswith("-"):
            return drawn
