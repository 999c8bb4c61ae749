"""service clients and their access tokens (OAuth client credentials)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_clients",
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("bundle_items", sa.Text(), nullable=False),
        sa.Column("auth_method", sa.String(length=24), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=True),
        sa.Column("public_jwk", sa.Text(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_service_clients")),
    )
    op.create_table(
        "client_access_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("scopes", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["service_clients.client_id"],
            name=op.f("fk_client_access_tokens_client_id_service_clients"),
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_client_access_tokens")),
    )
    with op.batch_alter_table("client_access_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_access_tokens_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_client_access_tokens_expires_at"), ["expires_at"], unique=False
        )
    op.create_table(
        "client_assertion_jtis",
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("jti", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "jti", name=op.f("pk_client_assertion_jtis")),
    )
    with op.batch_alter_table("client_assertion_jtis", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_assertion_jtis_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("client_assertion_jtis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_assertion_jtis_expires_at"))
    op.drop_table("client_assertion_jtis")
    with op.batch_alter_table("client_access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_access_tokens_expires_at"))
        batch_op.drop_index(batch_op.f("ix_client_access_tokens_client_id"))
    op.drop_table("client_access_tokens")
    op.drop_table("service_clients")
