"""a status entry per holder-bound copy

Revision ID: 0008
Revises: 0007

Each copy of a credential bound to a holder's key gets a status entry of its own
(``holder_kid``), so that retiring the key (a lost phone) invalidates the copy alone.
Copies made before this revision shared their certificate's entry and cannot be
invalidated alone; they are dropped here and made again, each with its own entry, the
next time their holder needs them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("status_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("holder_kid", sa.String(length=43), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint("uq_status_entries_identifier", type_="unique")
        batch_op.create_index(
            "ix_status_entries_identifier_holder", ["identifier", "holder_kid"], unique=True
        )
        batch_op.create_index("ix_status_entries_holder_kid", ["holder_kid"], unique=False)
    with op.batch_alter_table("status_entries", schema=None) as batch_op:
        batch_op.alter_column("holder_kid", server_default=None)
    op.execute("DELETE FROM holder_credentials")


def downgrade() -> None:
    op.execute("DELETE FROM holder_credentials")
    op.execute("DELETE FROM status_entries WHERE holder_kid <> ''")
    with op.batch_alter_table("status_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_status_entries_holder_kid")
        batch_op.drop_index("ix_status_entries_identifier_holder")
        batch_op.create_unique_constraint("uq_status_entries_identifier", ["identifier"])
        batch_op.drop_column("retired_at")
        batch_op.drop_column("holder_kid")
