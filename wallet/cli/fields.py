"""``--field K=V`` arguments of ``elicense mint``, typed by the certificate's schema."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from issuers.errors import UsageError

# UsageError is re-exported: every CLI module imports it from here, next to the parsers.
__all__ = ["UsageError", "parse_field_args", "parse_json"]


def parse_json(text: str, what: str) -> Any:
    """JSON from the command line or a file; nesting past Python's recursion limit (a
    hostile ``[[[[...``) is a usage error like any other malformed JSON."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise UsageError(f"{what}: not valid JSON ({reason})") from None


def parse_field_args(pairs: Sequence[str], schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """``a=1 b.c=x members='[...]'`` → nested dict.

    Values stay text unless they are JSON arrays/objects, or the type's JSON schema
    says the field is an integer or boolean (so ``ethnicity=01`` stays ``"01"`` and an
    all-digit ID number stays a string).
    """
    fields: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--field wants K=V, got {pair!r}")
        *parents, leaf = key.split(".")
        value = _field_value(key, raw, _schema_kind(schema, [*parents, leaf]))
        target = fields
        for part in parents:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise UsageError(f"--field {key}: {part} is not an object")
        target[leaf] = value
    return fields


def _field_value(key: str, raw: str, kind: str | None) -> Any:
    if raw.startswith(("[", "{")):
        return parse_json(raw, f"--field {key}")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "boolean":
            return {"true": True, "false": False}[raw.lower()]
    except (ValueError, KeyError):
        raise UsageError(f"--field {key}: {raw!r} is not a valid {kind or 'JSON'} value") from None
    return raw


def _schema_kind(schema: dict[str, Any] | None, path: list[str]) -> str | None:
    """The JSON-schema ``type`` of a dotted field path, following ``$ref``s."""
    node: Any = schema
    for part in path:
        node = _deref(schema, node)
        properties = node.get("properties") if isinstance(node, dict) else None
        if not isinstance(properties, dict) or part not in properties:
            return None
        node = properties[part]
    node = _deref(schema, node)
    kind = node.get("type") if isinstance(node, dict) else None
    return kind if isinstance(kind, str) else None


def _deref(schema: dict[str, Any] | None, node: Any) -> Any:
    if isinstance(node, dict) and isinstance(node.get("$ref"), str) and schema is not None:
        return schema.get("$defs", {}).get(node["$ref"].rsplit("/", 1)[-1], node)
    return node
