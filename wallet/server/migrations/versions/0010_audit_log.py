"""the audit log: hash-chained entries, the signed head, published checkpoints

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("grant_id", sa.String(length=64), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_grant_id"), ["grant_id"], unique=False)
    op.create_table(
        "audit_entry_holders",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("holder_ref", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["seq"],
            ["audit_entries.seq"],
            name=op.f("fk_audit_entry_holders_seq_audit_entries"),
        ),
        sa.PrimaryKeyConstraint("seq", "holder_ref", name=op.f("pk_audit_entry_holders")),
    )
    with op.batch_alter_table("audit_entry_holders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_entry_holders_holder_ref"), ["holder_ref"], unique=False
        )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kid", sa.String(length=43), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("count", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kid", sa.String(length=43), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("jws", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("count", name=op.f("pk_audit_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_entry_holders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_holders_holder_ref"))
    op.drop_table("audit_entry_holders")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_grant_id"))
    op.drop_table("audit_entries")
