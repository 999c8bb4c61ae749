"""The error body every HTTP error uses, as a pydantic schema for OpenAPI.

``{"error": {"code": "check_digit_mismatch", "message": "...", "field": "id_number"}}``
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    details: Any = None


class ErrorBody(BaseModel):
    error: ErrorDetail


_DESCRIPTIONS = {
    400: "bad request",
    401: "missing or wrong bearer token",
    403: "not allowed",
    404: "not found",
    405: "method not allowed",
    409: "conflict",
    413: "request body too large",
    415: "unsupported media type",
    422: "invalid input (the field and the reason are named)",
    429: "too many requests from this client: try again after Retry-After seconds",
    503: "no usable signing key",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the given error statuses, all with ErrorBody."""
    responses: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS.get(status, "typed error")}
        for status in statuses
    }
    if 429 in responses:
        responses[429]["headers"] = {"Retry-After": _RETRY_AFTER}
    return responses


_RETRY_AFTER = {
    "description": "whole seconds until the client's window has room again",
    "schema": {"type": "integer", "minimum": 1},
}
