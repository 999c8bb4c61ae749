"""Bulk import: a JSON Lines file of mint requests minted in batches (``elicense import``).

Each line is one object, what ``POST /issuers/{uscc}/certificates`` takes plus the
issuer::

    {"type": "resident_id", "issuer": "113100000000000017", "fields": {...},
     "holder": null, "valid_from": "2020-06-01", "valid_until": null, "mint_key": null}

``type``, ``issuer`` and ``fields`` are required; the rest optional; no other key.

**A bad line is skipped and reported**, never half-imported: its line number, error
code, field and message go to ``on_bad`` (the CLI prints them on stderr and ends with
exit code 1), and every good line is imported. Lines are validated as they are read
(JSON, keys, dates, the type's field schema and check digits); what only the database
knows (an issuer that may not issue the type, a holder not named in the fields) is
found while minting the batch, which is then rolled back and minted again without
that line.

**Interrupted, run it again.** Each batch is one transaction (:mod:`batch_mint`), so an
interruption leaves whole batches. Every line mints under a key, its own ``mint_key``
or ``import:<SHA-256 of its content>`` (canonical JSON of what it asks for, whatever
its place in the file, its spacing or the order of its keys), so a second run of the
file, or of any edit of it, finds what was committed and mints only what is new (a
changed line is a new certificate). Within one file a line identical to an earlier one
is reported (``duplicate_line``) and a ``mint_key`` met again with other content too
(``conflict``, field ``mint_key``); the first is minted, the counts are what was
stored. The keys met are held as digests: about 115 bytes a line.

A line is read at most :data:`MAX_LINE_BYTES` + 1 bytes at a time
(:func:`read_lines`): a longer one is reported and read past in bounded chunks.
Messages name no holder's data: the line, the code and the field say what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from sqlalchemy import Engine, select, text

from issuers.errors import ElicenseError, InvalidInput
from issuers.store import repository as repo
from issuers.store.batch_mint import (
    MintRequest,
    Prepared,
    Sealer,
    mint_batch,
    prepare,
    seal_payloads,
)
from issuers.store.tables import certificates

if TYPE_CHECKING:
    from issuers.store.issuance import IssuanceService

__all__ = ["BadLine", "ImportReport", "database_size", "import_lines", "parse_line", "read_lines"]

REQUIRED = frozenset({"type", "issuer", "fields"})
OPTIONAL = frozenset({"holder", "valid_from", "valid_until", "mint_key"})
MAX_LINE_BYTES = 64 * 1024  # a household register of many members is a few KiB
MAX_MINT_KEY = 120  # certificates.mint_key


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int
    code: str
    message: str
    field: str | None = None


@dataclass(slots=True)
class ImportReport:
    lines: int = 0
    minted: int = 0  # minted by this run
    already: int = 0  # found minted under the line's key (an earlier run)
    bad: list[BadLine] = field(default_factory=list)
    seconds: float = 0.0
    batches: int = 0


def read_lines(source: BinaryIO) -> Iterator[bytes]:
    """The lines of ``source``, none held longer than ``MAX_LINE_BYTES + 1`` bytes: a
    longer line is cut there (:func:`parse_line` reports it) and the rest of it read
    past in chunks of ``MAX_LINE_BYTES``."""
    while raw := source.readline(MAX_LINE_BYTES + 1):
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := source.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
        yield raw


def parse_line(number: int, raw: bytes) -> Prepared | BadLine | None:
    """One line validated into a request, or why not; ``None`` for a blank line."""
    parsed = _parse(number, raw)
    return parsed[0] if isinstance(parsed, tuple) else parsed


def _parse(number: int, raw: bytes) -> tuple[Prepared, int] | BadLine | None:
    """:func:`parse_line` and a digest of the line's content (what it asks for)."""
    if not raw.strip():
        return None
    try:
        if len(raw) > MAX_LINE_BYTES:
            raise InvalidInput(f"the line is longer than {MAX_LINE_BYTES} bytes")
        request, digest = _request(raw)
        return prepare(request), int.from_bytes(digest[:8])
    except ElicenseError as exc:
        return BadLine(number, exc.code, exc.message, exc.field)


def _request(raw: bytes) -> tuple[MintRequest, bytes]:
    try:
        item = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):  # "[[[[...": RecursionError
        raise InvalidInput("not a JSON object (UTF-8)") from None
    if not isinstance(item, dict):
        raise InvalidInput("not a JSON object")
    missing, unknown = REQUIRED - item.keys(), item.keys() - REQUIRED - OPTIONAL
    if missing or unknown:
        which = sorted(missing) or sorted(unknown)
        raise InvalidInput(f"{'missing' if missing else 'unknown'} key {which[0]}", field=which[0])
    for name in ("type", "issuer", "holder", "mint_key"):
        if (name in item and not isinstance(item[name], str | None)) or item.get(name) == "":
            raise InvalidInput(f"{name} must be a string", field=name)
    if len(item.get("mint_key") or "") > MAX_MINT_KEY:
        raise InvalidInput(f"mint_key is longer than {MAX_MINT_KEY} characters", field="mint_key")
    if not isinstance(item["fields"], dict):
        raise InvalidInput("fields must be an object", field="fields")
    valid_from, valid_until = _date(item, "valid_from"), _date(item, "valid_until")
    content = {
        "type": item["type"], "issuer": item["issuer"], "fields": item["fields"],
        "holder": item.get("holder"), "valid_from": valid_from and valid_from.isoformat(),
        "valid_until": valid_until and valid_until.isoformat(),
    }  # fmt: skip
    canonical = json.dumps(
        {k: v for k, v in content.items() if v is not None},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )  # fmt: skip
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).digest()
    key = item.get("mint_key") or f"import:{digest.hex()[:40]}"
    request = MintRequest(
        item["type"], item["issuer"], item["fields"], holder=item.get("holder"),
        valid_from=valid_from, valid_until=valid_until, mint_key=key,
    )  # fmt: skip
    return request, digest


def _date(item: dict[str, Any], name: str) -> date | None:
    value = item.get(name)
    if value is None:
        return None
    try:
        if isinstance(value, str):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise InvalidInput(f"{name} must be a date, YYYY-MM-DD", field=name)


class _Met:
    """The keys met in this run (a digest of each, to the digest of its content): a
    line met again is a duplicate, or with other content a conflict."""

    def __init__(self) -> None:
        self._content: dict[int, int] = {}

    def again(self, number: int, request: MintRequest, content: int) -> BadLine | None:
        mint_key = str(request.mint_key).encode("utf-8", "surrogatepass")
        key = int.from_bytes(hashlib.sha256(mint_key).digest()[:12])
        earlier = self._content.get(key)
        if earlier is None:
            self._content[key] = content
            return None
        if earlier == content:
            return BadLine(number, "duplicate_line", "the same as an earlier line")
        return BadLine(number, "conflict", "mint_key of an earlier line", "mint_key")


def import_lines(
    service: IssuanceService,
    lines: Iterable[bytes],
    *,
    batch_size: int = 1000,
    sealer: Sealer = seal_payloads,
    on_bad: Callable[[BadLine], None] = lambda bad: None,
    on_batch: Callable[[ImportReport], None] = lambda report: None,
) -> ImportReport:
    """Mint every good line of ``lines`` in batches of ``batch_size``."""
    report = ImportReport()
    started = time.perf_counter()
    known: dict[str, bool] = {}

    def issuer_known(uscc: str) -> bool:
        if uscc not in known:
            with service.engine.connect() as conn:
                known[uscc] = repo.get_issuer(conn, uscc) is not None
        return known[uscc]

    for batch in _batches(lines, batch_size, report, on_bad, issuer_known):
        _mint(service, batch, sealer, report, on_bad)
        report.batches += 1
        report.seconds = time.perf_counter() - started
        on_batch(report)
    report.seconds = time.perf_counter() - started
    return report


def _batches(
    lines: Iterable[bytes],
    size: int,
    report: ImportReport,
    on_bad: Callable[[BadLine], None],
    issuer_known: Callable[[str], bool],
) -> Iterator[list[tuple[int, Prepared]]]:
    batch: list[tuple[int, Prepared]] = []
    met = _Met()
    for number, raw in enumerate(lines, 1):
        report.lines = number
        parsed = _judge(number, raw, met, issuer_known)
        if isinstance(parsed, BadLine):
            report.bad.append(parsed)
            on_bad(parsed)
        elif parsed is not None:
            batch.append((number, parsed))
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch


def _judge(
    number: int, raw: bytes, met: _Met, issuer_known: Callable[[str], bool]
) -> Prepared | BadLine | None:
    parsed = _parse(number, raw)
    if not isinstance(parsed, tuple):
        return parsed
    prepared, content = parsed
    if not issuer_known(uscc := prepared.request.issuer_uscc):
        return BadLine(number, "not_found", f"no issuer {uscc}", "issuer")
    return met.again(number, prepared.request, content) or prepared


def _mint(
    service: IssuanceService,
    batch: list[tuple[int, Prepared]],
    sealer: Sealer,
    report: ImportReport,
    on_bad: Callable[[BadLine], None],
) -> None:
    """Mint the batch; a line the database refuses is reported and the rest minted."""
    keys = [p.request.mint_key for _, p in batch]
    with service.engine.connect() as conn:
        done = set(
            conn.execute(
                select(certificates.c.mint_key).where(certificates.c.mint_key.in_(keys))
            ).scalars()
        )
    if done:  # an earlier run committed these: no need to read them back
        batch = [(n, p) for n, p in batch if p.request.mint_key not in done]
        report.already += len(done)
    while batch:
        try:
            minted = mint_batch(service, [p for _, p in batch], sealer=sealer)
        except ElicenseError as exc:
            index = exc.details.get("index") if isinstance(exc.details, dict) else None
            if not isinstance(index, int):
                raise  # not one line's fault (a key unavailable, the database busy)
            number, _ = batch.pop(index)
            bad = BadLine(number, exc.code, exc.message, exc.field)
            report.bad.append(bad)
            on_bad(bad)
            continue
        report.minted += len(minted)
        return


def database_size(engine: Engine) -> int:
    """Bytes the database takes: the SQLite file and its WAL, or PostgreSQL's
    ``pg_database_size``."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return int(
                conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )
    database = engine.url.database or ""
    return sum(
        Path(f"{database}{suffix}").stat().st_size
        for suffix in ("", "-wal")
        if database and Path(f"{database}{suffix}").is_file()
    )
