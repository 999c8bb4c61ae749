"""Claim paths: where a form field's value sits in a certificate's claims.

A path is a top-level claim (``address``), or dots into it: through a record
(``party_a.name``) or through a list of records, selecting the one record whose key
equals a value (``members[id_number=$holder].relation``). The value is a literal or
``$holder``, the role's holder (公民身份号码). Grammar::

    path     = step ("." step)*
    step     = name [ "[" name "=" value "]" ]
    name     = [a-z][a-z0-9_]*
    value    = "$holder" | [0-9A-Za-z_\\-]+

:func:`path_problem` checks a path against a certificate type's pydantic model (at
load time); :func:`read_claim` reads it from verified claims (at an application).
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

__all__ = ["HOLDER", "ClaimStep", "parse_claim_path", "path_problem", "read_claim"]

HOLDER = "$holder"
_STEP = re.compile(
    r"^(?P<name>[a-z][a-z0-9_]*)"
    r"(?:\[(?P<key>[a-z][a-z0-9_]*)=(?P<value>\$holder|[0-9A-Za-z_\-]+)\])?$"
)


@dataclass(frozen=True, slots=True)
class ClaimStep:
    name: str
    key: str | None = None  # select the record of a list whose ``key`` ...
    value: str | None = None  # ... equals this (``$holder``: the role's holder)


def parse_claim_path(path: str) -> tuple[ClaimStep, ...]:
    """The steps of ``path``; :class:`ValueError` naming the bad step if it is not one."""
    steps: list[ClaimStep] = []
    for text in path.split("."):
        match = _STEP.match(text)
        if match is None:
            raise ValueError(f"bad claim path step {text!r} in {path!r}")
        steps.append(ClaimStep(match["name"], match["key"], match["value"]))
    return tuple(steps)


def path_problem(model: type[BaseModel], path: str) -> str | None:
    """What is wrong with ``path`` for certificates of ``model``; None when it is sound."""
    try:
        steps = parse_claim_path(path)
    except ValueError as exc:
        return str(exc)
    current: type[BaseModel] = model
    for index, step in enumerate(steps):
        field = current.model_fields.get(step.name)
        if field is None:
            return f"unknown claim {step.name!r} of {current.__name__}"
        record, is_list = _record_of(field.annotation)
        last = index == len(steps) - 1
        if step.key is not None:
            if record is None or not is_list:
                return f"{step.name!r} is not a list of records: no [key=value] selector"
            if step.key not in record.model_fields:
                return f"unknown key {step.key!r} of {record.__name__}"
        elif is_list and not last:
            return f"{step.name!r} is a list: select one record with [key=value]"
        if last:
            return None
        if record is None:
            return f"{step.name!r} has no fields to go into"
        current = record
    return None  # pragma: no cover - a path has at least one step


def read_claim(claims: Mapping[str, Any], path: str, holder: str | None = None) -> Any:
    """The value at ``path`` in ``claims``; :class:`LookupError` when it is absent (no
    such claim, no record whose key matches, ``$holder`` with no holder)."""
    value: Any = claims
    for step in parse_claim_path(path):
        if not isinstance(value, Mapping) or step.name not in value:
            raise LookupError(f"no claim {step.name!r} in {path!r}")
        value = value[step.name]
        if step.key is None:
            continue
        wanted = holder if step.value == HOLDER else step.value
        if wanted is None:
            raise LookupError(f"{path!r} selects by the holder, and the role has none")
        value = _select(value, step.key, wanted, path)
    return value


def _select(records: Any, key: str, wanted: str, path: str) -> Any:
    if isinstance(records, Sequence) and not isinstance(records, str):
        for record in records:
            if isinstance(record, Mapping) and str(record.get(key)) == wanted:
                return record
    raise LookupError(f"no record with {key} = {wanted!r} in {path!r}")


def _record_of(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The record model inside an annotation (through Annotated, Optional and tuples),
    and whether it is a list of them."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _record_of(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            if arg is not type(None):
                found = _record_of(arg)
                if found[0] is not None:
                    return found
        return None, False
    if origin in (tuple, list):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        inner = _record_of(args[0])[0] if args else None
        return inner, True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False
