"""Bundle definitions as data: one JSON file per bundle in ``samples/bundles/``.

:func:`load_definitions` reads them, checks each against the schema
(:mod:`~wallet.bundles.definitions.schema`) and its references against the catalogue
(:mod:`~wallet.bundles.definitions.checks`), then the set together; a bad file raises
:class:`~issuers.errors.BundleDefinitionError` naming the file and the field.
Claim paths (``members[id_number=$holder].relation``) are read with
:func:`~wallet.bundles.definitions.paths.read_claim`.
"""

from __future__ import annotations

from issuers.errors import BundleDefinitionError
from wallet.bundles.definitions.loader import (
    DEFAULT_BUNDLES_DIR,
    MAX_DEFINITION_BYTES,
    definition_files,
    load_definitions,
    load_files,
    read_definition,
)
from wallet.bundles.definitions.paths import read_claim
from wallet.bundles.definitions.schema import BundleDefinition, ItemDefinition

__all__ = [
    "DEFAULT_BUNDLES_DIR",
    "MAX_DEFINITION_BYTES",
    "BundleDefinition",
    "BundleDefinitionError",
    "ItemDefinition",
    "definition_files",
    "load_definitions",
    "load_files",
    "read_claim",
    "read_definition",
]
