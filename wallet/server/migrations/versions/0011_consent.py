"""authorisation requests, their parties and asks, and delegations (用证授权)

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_requests",
        sa.Column("id", sa.String(length=43), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("client_name", sa.String(length=200), nullable=False),
        sa.Column("bundle_item", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses_taken", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=18), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_requests")),
    )
    with op.batch_alter_table("consent_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_requests_client_id"), ["client_id"])
    op.create_table(
        "consent_parties",
        sa.Column("request_id", sa.String(length=43), nullable=False),
        sa.Column("holder_code", sa.String(length=18), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_via", sa.String(length=10), nullable=True),
        sa.Column("decided_by", sa.String(length=18), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["consent_requests.id"],
            name=op.f("fk_consent_parties_request_id_consent_requests"),
        ),
        sa.PrimaryKeyConstraint("request_id", "holder_code", name=op.f("pk_consent_parties")),
    )
    with op.batch_alter_table("consent_parties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_parties_holder_code"), ["holder_code"])
    op.create_table(
        "consent_asks",
        sa.Column("request_id", sa.String(length=43), nullable=False),
        sa.Column("holder_code", sa.String(length=18), nullable=False),
        sa.Column("type_slug", sa.String(length=40), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["consent_requests.id"],
            name=op.f("fk_consent_asks_request_id_consent_requests"),
        ),
        sa.PrimaryKeyConstraint(
            "request_id", "holder_code", "type_slug", name=op.f("pk_consent_asks")
        ),
    )
    op.create_table(
        "delegations",
        sa.Column("id", sa.String(length=43), nullable=False),
        sa.Column("owner_code", sa.String(length=18), nullable=False),
        sa.Column("delegate_code", sa.String(length=18), nullable=False),
        sa.Column("type_slug", sa.String(length=40), nullable=False),
        sa.Column("bundle_item", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
    )
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delegations_owner_code"), ["owner_code"])
        batch_op.create_index(batch_op.f("ix_delegations_delegate_code"), ["delegate_code"])


def downgrade() -> None:
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delegations_delegate_code"))
        batch_op.drop_index(batch_op.f("ix_delegations_owner_code"))
    op.drop_table("delegations")
    op.drop_table("consent_asks")
    with op.batch_alter_table("consent_parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_parties_holder_code"))
    op.drop_table("consent_parties")
    with op.batch_alter_table("consent_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_requests_client_id"))
    op.drop_table("consent_requests")
