"""Reading bundle definition files: size, JSON, the schema, the references, and what
must hold across files.

Every refusal is a :class:`~issuers.errors.BundleDefinitionError` whose message names
the file and the field path (``newborn.json: items.2.depends_on.0: unknown item 'x'``),
so a typo fails at start-up and says where, never at a citizen's application.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from issuers.errors import BundleDefinitionError
from wallet.bundles.definitions.checks import check_definition
from wallet.bundles.definitions.schema import BundleDefinition

__all__ = [
    "DEFAULT_BUNDLES_DIR",
    "MAX_DEFINITION_BYTES",
    "definition_files",
    "load_definitions",
    "load_files",
    "read_definition",
    "registry_handler_names",
]

DEFAULT_BUNDLES_DIR = Path(__file__).resolve().parents[3] / "samples" / "bundles"
MAX_DEFINITION_BYTES = 256 * 1024  # the largest sample is about 12 KiB


def registry_handler_names() -> frozenset[str]:
    """The keys of :data:`wallet.bundles.handlers.HANDLERS`.

    Imported here, not at the top: the handlers import the schema, so the registry
    cannot be imported while this package is being imported."""
    from wallet.bundles.handlers import HANDLERS

    return frozenset(HANDLERS)


def load_definitions(
    directory: Path = DEFAULT_BUNDLES_DIR,
    *,
    check_handlers: bool = True,
    handler_names: Collection[str] | None = None,
) -> Mapping[str, BundleDefinition]:
    """Every ``*.json`` definition in ``directory``, by bundle code, checked one by one
    and together.

    Handler names are checked against ``handler_names``, by default the registry's;
    ``check_handlers=False`` skips that check (for a tool that has no handlers)."""
    loaded = load_files(
        definition_files(directory), check_handlers=check_handlers, handler_names=handler_names
    )
    return MappingProxyType({definition.bundle: definition for _, definition in loaded})


def definition_files(directory: Path) -> list[Path]:
    """The definition files of ``directory`` (``*.json``), in name order."""
    if not directory.is_dir():
        raise BundleDefinitionError(str(directory), "", "not a directory of bundle definitions")
    return sorted(path for path in directory.glob("*.json") if path.is_file())


def load_files(
    paths: Iterable[Path],
    *,
    check_handlers: bool = True,
    handler_names: Collection[str] | None = None,
) -> list[tuple[Path, BundleDefinition]]:
    """Each file read and checked, then the set checked together: bundle codes and item
    codes unique across the files, and no item named like a bundle."""
    if check_handlers and handler_names is None:
        handler_names = registry_handler_names()
    names = handler_names if check_handlers else None
    loaded = [(path, read_definition(path, handler_names=names)) for path in paths]
    _check_together(loaded)
    return loaded


def read_definition(path: Path, *, handler_names: Collection[str] | None) -> BundleDefinition:
    """One file: at most :data:`MAX_DEFINITION_BYTES`, UTF-8 JSON without repeated
    keys, the schema, then :func:`~wallet.bundles.definitions.checks.check_definition`
    (``handler_names`` None: handlers unchecked). Its name must be ``<bundle>.json``."""
    file = path.name
    with path.open("rb") as handle:
        raw = handle.read(MAX_DEFINITION_BYTES + 1)
    if len(raw) > MAX_DEFINITION_BYTES:
        raise BundleDefinitionError(
            file,
            "",
            f"larger than {MAX_DEFINITION_BYTES} bytes ({MAX_DEFINITION_BYTES // 1024} KiB)",
        )
    document = _parse(file, raw)
    try:
        definition = BundleDefinition.model_validate(document)
    except ValidationError as exc:
        raise _schema_error(file, exc) from None
    if definition.bundle != path.stem:
        raise BundleDefinitionError(
            file,
            "bundle",
            f"bundle {definition.bundle!r} must be in a file named {definition.bundle}.json",
        )
    check_definition(definition, file, handler_names)
    return definition


def _parse(file: str, raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleDefinitionError(file, "", f"not UTF-8 text (byte {exc.start})") from None

    def no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        document: dict[str, Any] = {}
        for key, value in pairs:
            if key in document:
                raise BundleDefinitionError(file, "", f"invalid JSON: key {key!r} repeated")
            document[key] = value
        return document

    try:
        return json.loads(text, object_pairs_hook=no_repeated_keys)
    except RecursionError:  # "[[[[...": nested past Python's recursion limit
        raise BundleDefinitionError(file, "", "invalid JSON: nested too deeply") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise BundleDefinitionError(file, where, f"invalid JSON: {exc.msg}") from None


def _schema_error(file: str, exc: ValidationError) -> BundleDefinitionError:
    errors = exc.errors(include_url=False)
    first = errors[0]
    path = ".".join(str(part) for part in first["loc"])
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return BundleDefinitionError(file, path, f"{first['msg']}{more}")


def _check_together(loaded: list[tuple[Path, BundleDefinition]]) -> None:
    bundles: dict[str, str] = {}
    for path, definition in loaded:
        earlier = bundles.setdefault(definition.bundle, path.name)
        if earlier != path.name:
            raise BundleDefinitionError(
                path.name, "bundle", f"bundle {definition.bundle!r} is also defined in {earlier}"
            )
    items: dict[str, str] = {}
    for path, definition in loaded:
        for index, item in enumerate(definition.items):
            where = f"items.{index}.code"
            if item.code in bundles:
                raise BundleDefinitionError(
                    path.name,
                    where,
                    f"item {item.code!r} has the code of the bundle in {bundles[item.code]}",
                )
            earlier = items.setdefault(item.code, path.name)
            if earlier != path.name:
                raise BundleDefinitionError(
                    path.name, where, f"item {item.code!r} is also defined in {earlier}"
                )
