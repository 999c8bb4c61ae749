"""Bring a database to the current schema."""

from __future__ import annotations

from sqlalchemy import Engine

from issuers.store.tables import metadata


def ensure_schema(engine: Engine) -> None:
    metadata.create_all(engine)
