"""presentation replays shared by every worker (single-use presentations)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presentation_replays",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_presentation_replays")),
    )
    with op.batch_alter_table("presentation_replays", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_presentation_replays_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("presentation_replays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_presentation_replays_expires_at"))
    op.drop_table("presentation_replays")
