"""Exactly what a share would disclose: the asked claims' values, as the certificate
holds them. The citizen's preview and the shares feature's choice of disclosures use
this one function, so what the citizen approved is what the service receives."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["shared_values"]


def shared_values(fields: Mapping[str, Any], claims: Iterable[str]) -> dict[str, Any]:
    """The value of each asked claim the certificate has, in the asked order. A claim
    the certificate leaves out (an optional field, e.g. no father named) is left out
    here too: nothing is invented, nothing beyond the asked claims is added."""
    return {claim: fields[claim] for claim in claims if fields.get(claim) is not None}
