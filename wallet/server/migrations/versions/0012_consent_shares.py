"""the shares prepared at approval (加注件): sealed SD-JWT VC + key binding per party and type

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_shares",
        sa.Column("request_id", sa.String(length=43), nullable=False),
        sa.Column("holder_code", sa.String(length=18), nullable=False),
        sa.Column("type_slug", sa.String(length=40), nullable=False),
        sa.Column("identifier", sa.String(length=100), nullable=False),
        sa.Column("holder_kid", sa.String(length=64), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["consent_requests.id"],
            name=op.f("fk_consent_shares_request_id_consent_requests"),
        ),
        sa.PrimaryKeyConstraint(
            "request_id", "holder_code", "type_slug", name=op.f("pk_consent_shares")
        ),
    )


def downgrade() -> None:
    op.drop_table("consent_shares")
