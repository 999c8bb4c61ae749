"""The base of every consent request body: unknown fields are refused, not ignored.

A misspelt field silently dropped changes what the caller meant (``max_usage`` leaves
the default, ``on_behalf`` approves for oneself), so each body forbids extras and the
app answers the typed 422 ``invalid_input`` naming the field. Numbers are
:data:`pydantic.StrictInt` on each field: ``"3"``, ``true`` and ``3.0`` are not 3.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["StrictBody"]


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
