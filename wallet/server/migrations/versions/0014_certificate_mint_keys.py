"""certificates: an idempotency key per mint, and a serial unique per version

Revision ID: 0014
Revises: 0013

``mint_key`` (nullable, unique) makes a mint idempotent: a bundle's department
handler retried after a crash names the same key and gets the certificate minted the
first time. A re-issued certificate (the household register with a newborn added)
keeps its serial and takes version + 1 (GB/T 36904), so the serial is unique per
(issuer, type, serial, version), no longer per (issuer, type, serial).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mint_key", sa.String(length=120), nullable=True))
        batch_op.create_index("ix_certificates_mint_key", ["mint_key"], unique=True)
        batch_op.drop_index("ix_certificates_issuer_type_serial")
        batch_op.create_index(
            "ix_certificates_issuer_type_serial_version",
            ["issuer_uscc", "type_slug", "serial", "version"],
            unique=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index("ix_certificates_issuer_type_serial_version")
        batch_op.create_index(
            "ix_certificates_issuer_type_serial",
            ["issuer_uscc", "type_slug", "serial"],
            unique=True,
        )
        batch_op.drop_index("ix_certificates_mint_key")
        batch_op.drop_column("mint_key")
