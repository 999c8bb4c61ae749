"""the audit log: hash-chained entries, the signed head, published checkpoints

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled in with the feature's tables


def downgrade() -> None:
    pass
