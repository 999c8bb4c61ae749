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
or ``import:<line number>:<SHA-256 of the line>``, so a second run of the same file
finds what the first committed and mints only the rest (a changed line is a new
certificate).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

__all__ = ["BadLine", "ImportReport", "database_size", "import_lines", "parse_line"]

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


def parse_line(number: int, raw: bytes) -> Prepared | BadLine | None:
    """One line validated into a request, or why not; ``None`` for a blank line."""
    if not raw.strip():
        return None
    try:
        if len(raw) > MAX_LINE_BYTES:
            raise InvalidInput(f"the line is longer than {MAX_LINE_BYTES} bytes")
        return prepare(_request(number, raw))
    except ElicenseError as exc:
        return BadLine(number, exc.code, exc.message, exc.field)


def _request(number: int, raw: bytes) -> MintRequest:
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
    key = item.get("mint_key") or f"import:{number}:{hashlib.sha256(raw.strip()).hexdigest()[:40]}"
    return MintRequest(
        item["type"], item["issuer"], item["fields"], holder=item.get("holder"),
        valid_from=_date(item, "valid_from"), valid_until=_date(item, "valid_until"),
        mint_key=key,
    )  # fmt: skip


def _date(item: dict[str, Any], name: str) -> date | None:
    value = item.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        pass
    raise InvalidInput(f"{name} must be a date, YYYY-MM-DD", field=name)


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
    for number, raw in enumerate(lines, 1):
        report.lines = number
        parsed = parse_line(number, raw)
        if isinstance(parsed, Prepared) and not issuer_known(parsed.request.issuer_uscc):
            uscc = parsed.request.issuer_uscc
            parsed = BadLine(number, "not_found", f"no issuer {uscc}", "issuer")
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
