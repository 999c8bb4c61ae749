"""trust anchors

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trust_anchors",
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("kid", sa.String(length=43), nullable=False),
        sa.Column("alg", sa.String(length=10), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("sealed_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("region_code", name=op.f("pk_trust_anchors")),
        sa.UniqueConstraint("kid", name=op.f("uq_trust_anchors_kid")),
    )


def downgrade() -> None:
    op.drop_table("trust_anchors")
