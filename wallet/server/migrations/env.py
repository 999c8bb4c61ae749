"""Alembic environment: run by :func:`wallet.server.schema.ensure_schema` with a connection.

The history lives here, in the app shell, because this is the level that sees every
feature's tables: the issuers' (:mod:`issuers.store.tables`), the citizen accounts'
(:mod:`wallet.accounts.store.tables`) and the holders'
(:mod:`wallet.holders.store.tables`), all declared on the one shared MetaData
(:mod:`issuers.store.metadata`). Importing them here is what registers them on it, so
``target_metadata`` (what ``alembic revision --autogenerate`` compares against) is the
whole schema, not only whichever tables the caller happened to import first.

Revision ids are those the history had under ``issuers/store/migrations``: a database's
``alembic_version`` row still names a revision found here.
"""

from __future__ import annotations

from alembic import context

from issuers.store import tables as issuer_tables
from issuers.store.metadata import metadata
from wallet.accounts.store import tables as account_tables
from wallet.audit.store import tables as audit_tables
from wallet.bundles.store import tables as bundle_tables
from wallet.clients.store import tables as client_tables
from wallet.consent.store import share_tables as consent_share_tables
from wallet.consent.store import tables as consent_tables
from wallet.holders.store import tables as holder_tables

# Imported for their side effect: each module declares its tables on ``metadata``.
EVERY_FEATURE = (
    issuer_tables,
    account_tables,
    holder_tables,
    audit_tables,
    client_tables,
    consent_tables,
    consent_share_tables,
    bundle_tables,
)

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
