"""holder keys and holder-bound credentials

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "holder_keys",
        sa.Column("kid", sa.String(length=43), nullable=False),
        sa.Column("holder_code", sa.String(length=18), nullable=False),
        sa.Column("active_for", sa.String(length=18), nullable=True),
        sa.Column("custody", sa.String(length=10), nullable=False),
        sa.Column("alg", sa.String(length=10), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("sealed_private_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_holder_keys")),
        sa.UniqueConstraint("active_for", name=op.f("uq_holder_keys_active_for")),
    )
    with op.batch_alter_table("holder_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holder_keys_holder_code"), ["holder_code"])
    op.create_table(
        "holder_credentials",
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("holder_code", sa.String(length=18), nullable=False),
        sa.Column("holder_kid", sa.String(length=43), nullable=False),
        sa.Column("qr", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_holder_credentials_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["holder_kid"],
            ["holder_keys.kid"],
            name=op.f("fk_holder_credentials_holder_kid_holder_keys"),
        ),
        sa.PrimaryKeyConstraint(
            "certificate_id", "holder_code", name=op.f("pk_holder_credentials")
        ),
    )


def downgrade() -> None:
    op.drop_table("holder_credentials")
    with op.batch_alter_table("holder_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holder_keys_holder_code"))
    op.drop_table("holder_keys")
