"""Compact form of certificate fields: integer keys, CBOR-ready values.

The QR credential (a CWT, RFC 8392) carries the type fields as one claim. To stay
under QR version 20 the field names are replaced by small integers, as RFC 8392
§3.1 does for registered claims: each model's fields are numbered from 1 in
declaration order, recursively for nested models and for lists of models.

Values are only ``str``, ``int``, ``bool``, ``list`` and ``dict``:

* ``date`` becomes ``"YYYY-MM-DD"``;
* ``datetime`` becomes ISO 8601 with its offset (``datetime.isoformat()``);
* an optional field that is None is left out.

Decoding checks every key and the type of every value before the model validates
the content, so a forged or garbled claim fails with :class:`SchemaInvalid` and
never with a ``KeyError`` or a pydantic error. The key maps are built once per model
(:func:`codec_for`); decoding is one dict walk and one ``model_validate``.

Changing a model's field order changes its compact keys: append new fields at the
end, and give a type a new type code when an existing field moves.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AwareDatetime, BaseModel, NaiveDatetime

from issuers.errors import SchemaInvalid


class _Kind(IntEnum):
    STR = 1
    INT = 2
    BOOL = 3
    DATE = 4
    DATETIME = 5
    MODEL = 6
    LIST = 7


# The one Python type a compact value of each kind may have (checked with ``is``,
# so True is not an int and a str subclass is not a str).
_WIRE_TYPE: dict[_Kind, type] = {
    _Kind.STR: str,
    _Kind.INT: int,
    _Kind.BOOL: bool,
    _Kind.DATE: str,
    _Kind.DATETIME: str,
    _Kind.MODEL: dict,
    _Kind.LIST: list,
}


@dataclass(frozen=True, slots=True)
class _Shape:
    kind: _Kind
    wire: type
    item: _Shape | None = None  # for LIST
    codec: CompactCodec | None = None  # for MODEL


@dataclass(frozen=True, slots=True)
class _Slot:
    name: str
    key: int
    shape: _Shape


class CompactCodec:
    """Integer-keyed encoding of one pydantic model; build it with :func:`codec_for`."""

    __slots__ = ("_by_key", "_slots", "model")

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self._slots = tuple(
            _Slot(name, key, _shape_of(info.annotation, f"{model.__name__}.{name}"))
            for key, (name, info) in enumerate(model.model_fields.items(), start=1)
        )
        # The decode loop reads plain tuples: name, wire type, and whether the value
        # needs a nested walk (a model or a list).
        self._by_key: dict[int, tuple[str, type, _Shape | None]] = {
            slot.key: (
                slot.name,
                slot.shape.wire,
                slot.shape if slot.shape.kind in (_Kind.MODEL, _Kind.LIST) else None,
            )
            for slot in self._slots
        }

    def keys(self) -> dict[str, int]:
        """Field name to compact key (nested models have their own numbering)."""
        return {slot.name: slot.key for slot in self._slots}

    def encode(self, obj: BaseModel) -> dict[int, Any]:
        out: dict[int, Any] = {}
        for slot in self._slots:
            value = getattr(obj, slot.name)
            if value is not None:
                out[slot.key] = _encode(slot.shape, value)
        return out

    def decode(self, data: object, path: str = "") -> dict[str, Any]:
        """Rename keys and check wire types; the model validates the content after."""
        if type(data) is not dict:
            raise SchemaInvalid(
                f"compact {self.model.__name__} must be a map, got {type(data).__name__}",
                field=path.rstrip(".") or None,
            )
        by_key = self._by_key
        out: dict[str, Any] = {}
        for key, value in data.items():
            entry = by_key.get(key)
            # True == 1 and hashes alike, so the type check cannot be left to the dict.
            if entry is None or type(key) is not int:
                raise SchemaInvalid(
                    f"compact {self.model.__name__} has no key {key!r}",
                    field=path.rstrip(".") or None,
                )
            name, wire, nested = entry
            if type(value) is not wire:
                raise _wrong_type(self._by_name(name).shape, value, path + name)
            if nested is not None:
                value = _decode_nested(nested, value, path + name)
            out[name] = value
        return out

    def _by_name(self, name: str) -> _Slot:
        return next(slot for slot in self._slots if slot.name == name)


@cache
def codec_for(model: type[BaseModel]) -> CompactCodec:
    """The codec of ``model``, built on first use and then shared."""
    return CompactCodec(model)


def _encode(shape: _Shape, value: Any) -> Any:
    kind = shape.kind
    if kind is _Kind.DATE or kind is _Kind.DATETIME:
        return value.isoformat()
    if kind is _Kind.MODEL:
        assert shape.codec is not None
        return shape.codec.encode(value)
    if kind is _Kind.LIST:
        assert shape.item is not None
        item = shape.item
        return [_encode(item, v) for v in value]
    return value


def _decode_nested(shape: _Shape, value: Any, path: str) -> Any:
    if shape.kind is _Kind.MODEL:
        assert shape.codec is not None
        return shape.codec.decode(value, path + ".")
    item = shape.item
    assert item is not None
    for i, element in enumerate(value):
        if type(element) is not item.wire:
            raise _wrong_type(item, element, f"{path}.{i}")
    if item.kind is _Kind.MODEL:
        assert item.codec is not None
        codec = item.codec
        return [codec.decode(element, f"{path}.{i}.") for i, element in enumerate(value)]
    return value


def _wrong_type(shape: _Shape, value: object, field: str) -> SchemaInvalid:
    return SchemaInvalid(
        f"compact value must be {shape.wire.__name__} "
        f"({shape.kind.name.lower()}), got {type(value).__name__}",
        field=field,
    )


def _shape_of(annotation: Any, where: str) -> _Shape:
    """Map a field annotation to its compact shape; fail loudly on anything else."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _shape_of(get_args(annotation)[0], where)
    if origin is Union or origin is types.UnionType:
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) != 1:
            raise TypeError(f"{where}: the compact form supports only X | None unions")
        return _shape_of(members[0], where)
    if origin is Literal:
        kinds = {_scalar_kind(type(v)) for v in get_args(annotation)}
        if len(kinds) != 1 or None in kinds:
            raise TypeError(f"{where}: a Literal must hold values of one scalar type")
        (kind,) = kinds
        assert kind is not None
        return _Shape(kind, _WIRE_TYPE[kind])
    if origin is list or origin is tuple:
        args = get_args(annotation)
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            raise TypeError(f"{where}: only variable-length tuple[X, ...] is supported")
        item = _shape_of(args[0], where)
        if item.kind is _Kind.LIST:
            raise TypeError(f"{where}: lists of lists have no compact form")
        return _Shape(_Kind.LIST, list, item=item)
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return _Shape(_Kind.MODEL, dict, codec=codec_for(annotation))
        if annotation is AwareDatetime or annotation is NaiveDatetime:
            return _Shape(_Kind.DATETIME, str)
        kind = _scalar_kind(annotation)
        if kind is not None:
            return _Shape(kind, _WIRE_TYPE[kind])
    raise TypeError(f"{where}: {annotation!r} has no compact form")


def _scalar_kind(tp: type) -> _Kind | None:
    # bool before int and datetime before date: each is a subclass of the other.
    if issubclass(tp, bool):
        return _Kind.BOOL
    if issubclass(tp, int):
        return _Kind.INT
    if issubclass(tp, str):
        return _Kind.STR
    if issubclass(tp, datetime):
        return _Kind.DATETIME
    if issubclass(tp, date):
        return _Kind.DATE
    return None
