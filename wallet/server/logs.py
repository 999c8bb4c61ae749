"""The server's logs: one JSON object per line on stderr (or plain text for a terminal),
for the app's own records, uvicorn's, and one per request
(:mod:`wallet.server.request_log`, which replaces uvicorn's access log).

Every line carries ``ts`` (UTC, ISO 8601, milliseconds), ``level``, ``logger``,
``msg`` and ``pid`` (which worker process), plus the record's own ``fields`` (a
request's method, route template, status, duration and request id).

No personal data, by construction where it can be: a request line is built from the
route *template* (never the raw path, nor the query string, headers or body); an
exception is logged by its type and its stack frames (file, line, function, source
line), never by its message or arguments, which may quote the input that caused it.
The app's own messages say what happened by id and state only; a test drives every
route with synthetic people and scans the logs for their ID numbers, names, passwords,
tokens and QR texts (``tests/wallet/server/test_logs_no_personal_data.py``).

``ELICENSE_LOG_FORMAT``: ``json`` (default) or ``text``.
"""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
from types import TracebackType
from typing import Any, Literal

__all__ = ["LOG_FORMAT_ENV", "JsonFormatter", "TextFormatter", "log_config", "log_format"]

LOG_FORMAT_ENV = "ELICENSE_LOG_FORMAT"
LogFormat = Literal["json", "text"]
_EXC_FRAMES = 30  # the innermost frames of a stack: enough to find the line
# One encoder for every line: json.dumps with arguments builds a new one each call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":"))


def log_format(environ: dict[str, str] | None = None) -> LogFormat:
    """``ELICENSE_LOG_FORMAT`` (json unless ``text``; anything else is refused)."""
    value = (os.environ if environ is None else environ).get(LOG_FORMAT_ENV, "json")
    if value not in ("json", "text"):
        raise ValueError(f"{LOG_FORMAT_ENV} must be json or text, not {value!r}")
    return "text" if value == "text" else "json"


def _timestamp(record: logging.LogRecord) -> str:
    seconds = int(record.created)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{int(record.msecs):03d}Z"


def exception_fields(exc_info: Any) -> dict[str, Any]:
    """An exception as its type (and its causes' types) and stack frames, never its
    message: ``{"exc_type": "...", "exc_chain": [...], "stack": ["file:line in f: code"]}``."""
    if not exc_info or exc_info[0] is None:
        return {}
    kind, value, tb = exc_info
    chain: list[str] = []
    seen: set[int] = set()
    cause = value.__cause__ or value.__context__ if value is not None else None
    while cause is not None and id(cause) not in seen and len(chain) < 5:
        seen.add(id(cause))
        chain.append(type(cause).__qualname__)
        cause = cause.__cause__ or cause.__context__
    fields: dict[str, Any] = {"exc_type": kind.__qualname__, "stack": _frames(tb)}
    if chain:
        fields["exc_chain"] = chain
    return fields


def _frames(tb: TracebackType | None) -> list[str]:
    frames = traceback.extract_tb(tb)[-_EXC_FRAMES:]
    return [f"{f.filename}:{f.lineno} in {f.name}: {(f.line or '').strip()}" for f in frames]


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (non-ASCII kept as UTF-8)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line.update(exception_fields(record.exc_info))
        return _ENCODER.encode(line)


class TextFormatter(logging.Formatter):
    """``ts level logger [pid]: msg key=value ...``, for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        text = (
            f"{_timestamp(record)} {record.levelname.lower():7} {record.name}"
            f" [{record.process}]: {record.getMessage()}"
        )
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            text += "".join(f" {key}={value}" for key, value in fields.items())
        exc = exception_fields(record.exc_info)
        if exc:
            text += f" exc_type={exc['exc_type']}\n  " + "\n  ".join(exc["stack"])
        return text


def log_config(fmt: LogFormat = "json", level: str = "INFO") -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` for ``uvicorn.run(log_config=...)``: every
    record (the app's, uvicorn's) through one stderr handler in ``fmt``; uvicorn's
    access log off (each request is logged by :mod:`wallet.server.request_log`)."""
    formatter = JsonFormatter if fmt == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "main",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
            # Alembic's INFO says which dialect it found, at every readiness probe.
            "alembic": {"level": "WARNING"},
        },
    }
