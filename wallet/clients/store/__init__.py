"""The service clients' store over SQLAlchemy: :class:`ClientStore`.

Each method is one transaction and hands back the frozen records of
:mod:`wallet.clients.records`, never a row. A taken client id or a replayed assertion
``jti`` (unique keys) is an outcome (``False``), not a driver error. Tokens arrive
here already hashed.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Engine, Row, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from issuers.store.database import write_transaction
from wallet.clients.records import (
    AuthMethod,
    IssuedToken,
    ServiceClient,
    StoredClient,
    StoredToken,
)
from wallet.clients.store.tables import (
    client_access_tokens,
    client_assertion_jtis,
    service_clients,
)

__all__ = ["PRUNE_BATCH", "ClientStore"]

PRUNE_BATCH = 100  # expired tokens (and jtis) removed per issued token: bounded work


class ClientStore:
    """The clients' tables behind typed methods: the service's
    :class:`~wallet.clients.service.ClientStorage`, over a database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, stored: StoredClient) -> bool:
        """Record a new client; ``False`` when its id is taken."""
        client = stored.client
        try:
            with write_transaction(self._engine) as conn:
                conn.execute(
                    insert(service_clients).values(
                        client_id=client.client_id,
                        name=client.name,
                        uscc=client.uscc,
                        bundle_items=" ".join(client.bundle_items),
                        auth_method=client.auth_method,
                        secret_hash=stored.secret_hash,
                        public_jwk=None
                        if client.public_jwk is None
                        else json.dumps(client.public_jwk, sort_keys=True),
                        disabled=client.disabled,
                        created_at=client.created_at,
                    )
                )
        except IntegrityError:
            return False
        return True

    def clients(self) -> list[ServiceClient]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(service_clients).order_by(service_clients.c.client_id))
            return [_client(row) for row in rows]

    def find(self, client_id: str) -> StoredClient | None:
        if "\x00" in client_id:  # in no client id; PostgreSQL refuses it (an error)
            return None
        with self._engine.connect() as conn:
            row = conn.execute(
                select(service_clients).where(service_clients.c.client_id == client_id)
            ).first()
        return None if row is None else StoredClient(_client(row), row.secret_hash)

    def disable(self, client_id: str) -> bool:
        """Disable the client and end its tokens at once; ``False``: no such client."""
        if "\x00" in client_id:
            return False
        with write_transaction(self._engine) as conn:
            found = conn.execute(
                update(service_clients)
                .where(service_clients.c.client_id == client_id)
                .values(disabled=True)
            ).rowcount
            conn.execute(
                delete(client_access_tokens).where(client_access_tokens.c.client_id == client_id)
            )
        return bool(found)

    def replace_secret(self, client_id: str, secret_hash: str) -> None:
        """Store the new secret's hash and end the tokens the old secret obtained."""
        with write_transaction(self._engine) as conn:
            conn.execute(
                update(service_clients)
                .where(service_clients.c.client_id == client_id)
                .values(secret_hash=secret_hash)
            )
            conn.execute(
                delete(client_access_tokens).where(client_access_tokens.c.client_id == client_id)
            )

    def issue(
        self, token: IssuedToken, *, jti: str | None = None, jti_expires_at: datetime | None = None
    ) -> bool:
        """Record ``token`` (and, for an assertion, its ``jti`` as used) in one
        transaction, pruning a bounded batch of expired rows; ``False``: the ``jti`` was
        used before, and nothing was recorded."""
        now = token.issued_at
        try:
            with write_transaction(self._engine) as conn:
                if jti is not None:
                    conn.execute(
                        insert(client_assertion_jtis).values(
                            client_id=token.client_id, jti=jti, expires_at=jti_expires_at or now
                        )
                    )
                conn.execute(
                    insert(client_access_tokens).values(
                        token_hash=token.token_hash,
                        client_id=token.client_id,
                        scopes=" ".join(sorted(token.scopes)),
                        issued_at=now,
                        expires_at=token.expires_at,
                    )
                )
                _prune(conn, now)
        except IntegrityError:
            return False
        return True

    def token(self, token_hash: str) -> StoredToken | None:
        """The token that hashes to ``token_hash``, with its client."""
        with self._engine.connect() as conn:
            row = conn.execute(_TOKEN, {"token_hash": token_hash}).first()
        if row is None:
            return None
        return StoredToken(_client(row), frozenset(row.scopes.split()), row.token_expires_at)


# Every service call checks its bearer token with this: built once, so each check only
# binds the hash (building a statement costs more than running it on SQLite).
_TOKEN = (
    select(
        service_clients,
        client_access_tokens.c.scopes,
        client_access_tokens.c.expires_at.label("token_expires_at"),
    )
    .join(service_clients, service_clients.c.client_id == client_access_tokens.c.client_id)
    .where(client_access_tokens.c.token_hash == bindparam("token_hash"))
)


def _prune(conn: Connection, now: datetime) -> None:
    tokens = (
        select(client_access_tokens.c.token_hash)
        .where(client_access_tokens.c.expires_at <= now)
        .limit(PRUNE_BATCH)
    )
    conn.execute(delete(client_access_tokens).where(client_access_tokens.c.token_hash.in_(tokens)))
    jti_key = tuple_(client_assertion_jtis.c.client_id, client_assertion_jtis.c.jti)
    jtis = (
        select(client_assertion_jtis.c.client_id, client_assertion_jtis.c.jti)
        .where(client_assertion_jtis.c.expires_at <= now)
        .limit(PRUNE_BATCH)
    )
    conn.execute(delete(client_assertion_jtis).where(jti_key.in_(jtis)))


def _client(row: Row[Any]) -> ServiceClient:
    return ServiceClient(
        client_id=row.client_id,
        name=row.name,
        uscc=row.uscc,
        bundle_items=tuple(row.bundle_items.split()),
        auth_method=cast(AuthMethod, row.auth_method),  # written only from AuthMethod
        public_jwk=None if row.public_jwk is None else json.loads(row.public_jwk),
        disabled=bool(row.disabled),
        created_at=row.created_at,
    )
