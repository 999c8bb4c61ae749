"""The offline verifier's cache directory: what ``elicense sync`` fetched, on disk.

Layout (everything UTF-8; times ISO 8601 with their offset)::

    <cache>/trust/<region>.jwt           a region's signed trust list (trustlist+jwt)
    <cache>/trust/<region>.meta.json     {"region_code", "fetched_at", "source"}
    <cache>/status/<h>.jwt               a status list token (statuslist+jwt), where
                                         h = sha256(uri)[:16] in hex
    <cache>/status/<h>.meta.json         {"uri", "issuer", "fetched_at", "source"}

Nothing read from here is believed because it is here: trust lists are verified
against the anchors, status lists against the trust lists, every time a verifier
loads. The anchors themselves are not here: they are configuration
(:mod:`verifiers.offline.anchors`), and an ``anchors/`` directory an older sync wrote,
or someone planted, is never read. The sidecars are unsigned, so nothing a verdict
depends on comes from them: how old a document is comes from its own signed ``iat``
(and ``ttl``, ``exp``); ``fetched_at`` and ``source`` are a record for people. (A
sidecar's ``uri`` or ``region_code`` only says which document a file is meant to be;
the signed document must say the same.)

Every write goes to a temporary file in the same directory, is flushed to disk and
then renamed over the target (:func:`atomic_write`), so a crash mid-sync leaves each
file either wholly old or wholly new.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from issuers.errors import CacheEntryUnusable, InvalidInput
from verifiers.offline.anchors import REGION

TRUST, STATUS = "trust", "status"
DOCUMENT_SUFFIX, META_SUFFIX = ".jwt", ".meta.json"
MAX_FILE_BYTES = 16 << 20  # larger than any document verify_* accepts


@dataclass(frozen=True, slots=True)
class CachedTrustList:
    region_code: str
    text: str
    fetched_at: datetime
    source: str | None
    path: Path


@dataclass(frozen=True, slots=True)
class CachedStatusList:
    uri: str
    issuer: str | None  # the USCC the server said signs it; checked again on use
    text: str
    fetched_at: datetime
    source: str | None
    path: Path


@dataclass(frozen=True, slots=True)
class CacheProblem:
    """A file the cache could not use, and why (a stable snake_case code)."""

    path: str
    code: str
    message: str


def status_file_stem(uri: str) -> str:
    return hashlib.sha256(uri.encode("utf-8")).hexdigest()[:16]


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a reader (or a crash) sees old or new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """POSIX: the rename is durable only once the directory is synced."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open a directory; the rename is still atomic
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


class CacheDir:
    """Reads and writes the layout above; reading never raises for one bad file."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def ensure(self) -> None:
        for sub in (TRUST, STATUS):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    # -- trust lists -------------------------------------------------------------------
    def write_trust_list(
        self, region_code: str, text: str, *, fetched_at: datetime, source: str | None
    ) -> Path:
        if not REGION.fullmatch(region_code):
            raise InvalidInput("region_code must be six digits", field="region_code")
        path = self.root / TRUST / f"{region_code}{DOCUMENT_SUFFIX}"
        atomic_write(path, text.encode("utf-8"))
        meta = {"region_code": region_code, "fetched_at": _time(fetched_at), "source": source}
        atomic_write(_meta_path(path), _json(meta))
        return path

    def trust_lists(self) -> tuple[list[CachedTrustList], list[CacheProblem]]:
        return self._trust_lists(sorted((self.root / TRUST).glob(f"*{DOCUMENT_SUFFIX}")))

    def _trust_lists(self, paths: list[Path]) -> tuple[list[CachedTrustList], list[CacheProblem]]:
        found: list[CachedTrustList] = []
        problems: list[CacheProblem] = []
        for path in paths:
            region = path.name.removesuffix(DOCUMENT_SUFFIX)
            try:
                text, meta = self._document(path)
                if not REGION.fullmatch(region) or meta.get("region_code") != region:
                    raise CacheEntryUnusable(
                        "cache_meta_invalid", "the sidecar names another region"
                    )
                fetched_at, source = _fetched_at(meta), _source(meta)
            except CacheEntryUnusable as exc:
                problems.append(CacheProblem(self._name(path), exc.code, exc.message))
                continue
            found.append(CachedTrustList(region, text, fetched_at, source, path))
        return found, problems

    def trust_list(self, region_code: str) -> CachedTrustList | None:
        """The cached list of one region, or None if there is none usable."""
        if not REGION.fullmatch(region_code):
            return None
        found, _ = self._trust_lists([self.root / TRUST / f"{region_code}{DOCUMENT_SUFFIX}"])
        return found[0] if found else None

    # -- status lists ------------------------------------------------------------------
    def write_status_list(
        self,
        uri: str,
        text: str,
        *,
        issuer: str | None,
        fetched_at: datetime,
        source: str | None,
    ) -> Path:
        path = self._status_path(uri)
        atomic_write(path, text.encode("utf-8"))
        meta = {"uri": uri, "issuer": issuer, "fetched_at": _time(fetched_at), "source": source}
        atomic_write(_meta_path(path), _json(meta))
        return path

    def status_lists(self) -> tuple[list[CachedStatusList], list[CacheProblem]]:
        return self._status_lists(sorted((self.root / STATUS).glob(f"*{DOCUMENT_SUFFIX}")))

    def _status_lists(self, paths: list[Path]) -> tuple[list[CachedStatusList], list[CacheProblem]]:
        found: list[CachedStatusList] = []
        problems: list[CacheProblem] = []
        for path in paths:
            try:
                text, meta = self._document(path)
                uri, issuer = meta.get("uri"), meta.get("issuer")
                if not isinstance(uri, str) or not _names(uri, path):
                    raise CacheEntryUnusable(
                        "cache_meta_invalid", "the sidecar's uri is not this file's"
                    )
                if issuer is not None and not isinstance(issuer, str):
                    raise CacheEntryUnusable("cache_meta_invalid", "issuer must be text")
                fetched_at, source = _fetched_at(meta), _source(meta)
            except CacheEntryUnusable as exc:
                problems.append(CacheProblem(self._name(path), exc.code, exc.message))
                continue
            found.append(CachedStatusList(uri, issuer, text, fetched_at, source, path))
        return found, problems

    def status_list(self, uri: str) -> CachedStatusList | None:
        """The cached list at ``uri``, or None if there is none usable."""
        found, _ = self._status_lists([self._status_path(uri)])
        return found[0] if found and found[0].uri == uri else None

    # -- helpers -----------------------------------------------------------------------
    def _status_path(self, uri: str) -> Path:
        return self.root / STATUS / f"{status_file_stem(uri)}{DOCUMENT_SUFFIX}"

    def _document(self, path: Path) -> tuple[str, dict[str, Any]]:
        try:
            text = _read(path).decode("utf-8")
            if not _meta_path(path).is_file():
                raise CacheEntryUnusable("cache_meta_missing", "no .meta.json sidecar")
            meta = json.loads(_read(_meta_path(path)).decode("utf-8"))
        # UnicodeDecodeError, JSONDecodeError; RecursionError: a "[[[[..." sidecar
        except (OSError, ValueError, RecursionError) as exc:
            raise CacheEntryUnusable("cache_file_unreadable", str(exc)) from None
        if not isinstance(meta, dict):
            raise CacheEntryUnusable("cache_meta_invalid", "the sidecar is not a JSON object")
        return text, meta

    def _name(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def _names(uri: str, document: Path) -> bool:
    """Whether ``uri`` is the one ``document`` is stored under."""
    try:
        return status_file_stem(uri) == document.stem
    except UnicodeEncodeError:  # a lone surrogate, which JSON can spell ("\ud800")
        return False


def _meta_path(document: Path) -> Path:
    return document.with_name(document.name.removesuffix(DOCUMENT_SUFFIX) + META_SUFFIX)


def _read(path: Path) -> bytes:
    """A regular file's bytes, bounded. Opened without blocking and checked to be a
    regular file before any read: a FIFO (or a link to a terminal) planted in the
    cache would otherwise wait for ever for a writer, hanging ``verify --offline`` and
    a server's recognition cache with its lock held."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path.name} is not a regular file")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise OSError(f"{path.name} is over {MAX_FILE_BYTES} bytes")
    return data


def _json(value: dict[str, Any]) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def _time(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise InvalidInput("fetched_at must carry a time zone", field="fetched_at")
    return moment.isoformat()


def _fetched_at(meta: dict[str, Any]) -> datetime:
    value = meta.get("fetched_at")
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise CacheEntryUnusable(
            "cache_meta_invalid", "fetched_at must be an ISO time with its offset"
        )
    return moment


def _source(meta: dict[str, Any]) -> str | None:
    source = meta.get("source")
    return source if isinstance(source, str) else None
