"""Errors that never leave the process: no ``code`` for a client, no HTTP status.

Each is caught by the layer that raised it or the one just above, which turns it into
an exit code, a redirect, a refusal to start or a line in a report. They keep the
bases they had (``RuntimeError`` for settings), so an ``except`` that caught them
before still does. The tree is drawn in :mod:`issuers.errors`."""

from __future__ import annotations

__all__ = [
    "BundleDefinitionError",
    "CacheEntryUnusable",
    "DeadlinePassed",
    "DemoFailed",
    "FetchFailed",
    "LoginRequired",
    "SettingsError",
    "SyncStopped",
    "UsageError",
]


class UsageError(Exception):
    """The command line itself is wrong (``elicense`` exits 2)."""


class DemoFailed(Exception):
    """A step of ``elicense demo`` did not do what the bundle promises (exit 1)."""


class SettingsError(RuntimeError):
    """The configuration is unusable; the message says what to set."""


class LoginRequired(Exception):
    """No live web session: the browser goes to the login page (``303 See Other``)."""


class FetchFailed(Exception):
    """The network or the server did not deliver (HTTP error, timeout, too large)."""


class DeadlinePassed(FetchFailed):
    """The total time allowed for the network calls is spent."""


class SyncStopped(Exception):
    """The sync's deadline passed: stop fetching (not a :class:`FetchFailed`, so no one
    step's handler notes it as its own failure)."""


class CacheEntryUnusable(Exception):
    """A file in the offline cache cannot be used; ``code`` says why
    (``cache_meta_missing``, ``cache_meta_invalid``, ``cache_file_unreadable``) and
    the cache reports it as a problem instead of loading it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class BundleDefinitionError(ValueError):
    """A bundle definition file (samples/bundles) is unusable; the message names the file
    and the field path, e.g. ``newborn.json: items.2.depends_on: unknown item 'x'``. The
    server refuses to start; ``elicense bundles validate`` exits 2 with the message."""

    def __init__(self, file: str, path: str, problem: str) -> None:
        where = f"{file}: {path}: " if path else f"{file}: "
        super().__init__(f"{where}{problem}")
        self.file = file
        self.path = path
        self.problem = problem
