"""What the log scans look for, and how (not a test module: the tests of
``tests/wallet/server/test_logs_no_personal_data.py`` use it).

A secret is looked for as itself, JSON-escaped (``\\u5f20\\u4f1f`` for 张伟: a formatter
with ``ensure_ascii``) and URL-encoded (a path or query string logged raw).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from httpx import Response

from tests.helpers import PASSWORDS, PEOPLE
from wallet.server.logs import JsonFormatter, TextFormatter

# Keys of a JSON answer whose string values are credentials or personal data.
SECRET_KEYS = frozenset(
    {"qr", "token", "access_token", "csrf_token", "client_secret", "sd_jwt", "credential",
     "presentation", "id_number", "name", "password", "holder_key", "secret", "annotation",
     "holder", "holder_id_number", "delegate_id_number"}
)  # fmt: skip
_SHORTEST = 6  # shorter ASCII values (a sex code "1") would match anything; names are CJK


def variants(secret: str) -> set[str]:
    return {secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote(secret)}


def leaks(text: str, secrets: Iterable[str]) -> list[str]:
    """The secrets found in ``text`` (in any of their :func:`variants`)."""
    return sorted({s for s in secrets if any(v in text for v in variants(s))})


def people_secrets() -> set[str]:
    """Every synthetic person's ID number, name and password the tests use."""
    return {*PEOPLE, *PEOPLE.values(), *PASSWORDS.values()}


def harvest(responses: Iterable[Response]) -> set[str]:
    """String values under :data:`SECRET_KEYS` in every JSON answer (tokens, QR texts,
    SD-JWTs, names and ID numbers the app handed out), and every cookie it set."""
    found: set[str] = set()
    for response in responses:
        if response.request.url.path == "/openapi.json":
            continue  # the API's description: parameter names, not data
        found.update(v for v in response.cookies.values() if len(v) >= _SHORTEST)
        if response.headers.get("content-type", "").startswith("application/json"):
            try:
                _walk(response.json(), found)
            except ValueError:
                continue
    return found


def _walk(value: Any, found: set[str], key: str = "") -> None:
    if isinstance(value, dict):
        for name, inner in value.items():
            _walk(inner, found, str(name))
    elif isinstance(value, list):
        for inner in value:
            _walk(inner, found, key)
    elif isinstance(value, str) and key in SECRET_KEYS and _long_enough(value):
        found.add(value)


def _long_enough(value: str) -> bool:
    return len(value) >= _SHORTEST or not value.isascii()


# The test's own HTTP client logs the URLs it asks for: not the server's logs.
CLIENT_LOGGERS = ("httpx", "httpx2", "httpcore")


def rendered(records: Iterable[logging.LogRecord]) -> str:
    """Every record of the server side as each formatter writes it, and its raw
    message and arguments."""
    json_format, text_format = JsonFormatter(), TextFormatter()
    lines = []
    for record in records:
        if record.name.split(".")[0] in CLIENT_LOGGERS:
            continue
        lines += [json_format.format(record), text_format.format(record)]
        lines += [str(record.msg), repr(record.args), repr(getattr(record, "fields", None))]
    return "\n".join(lines)
