"""The local issuance service for CLI verbs: same settings, database and keys as
``serve``; the engine is closed when the verb is done."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial

from issuers.settings import get_settings
from issuers.store.database import make_engine
from issuers.store.issuance import IssuanceService
from issuers.store.schema import ensure_schema
from wallet.holders import HolderKeyring


@contextmanager
def local_service() -> Iterator[IssuanceService]:
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    ensure_schema(engine)
    try:
        clock = partial(datetime.now, UTC)
        service = IssuanceService(
            engine,
            settings.master_key_bytes(),
            clock,
            public_base_url=settings.public_base_url,
            holder_keys=HolderKeyring(engine, settings.master_key_bytes(), clock),
        )
        if settings.demo:
            from wallet import demo

            demo.seed(service)
        yield service
    finally:
        engine.dispose()
