"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issuers",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("allowed_types", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("uscc", name=op.f("pk_issuers")),
    )
    op.create_table(
        "issuer_keys",
        sa.Column("kid", sa.String(length=43), nullable=False),
        sa.Column("issuer_uscc", sa.String(length=18), nullable=False),
        sa.Column("alg", sa.String(length=10), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("sealed_private_key", sa.LargeBinary(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("compromised_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["issuer_uscc"], ["issuers.uscc"], name=op.f("fk_issuer_keys_issuer_uscc_issuers")
        ),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_issuer_keys")),
    )
    with op.batch_alter_table("issuer_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issuer_keys_issuer_uscc"), ["issuer_uscc"], unique=False
        )

    op.create_table(
        "serial_counters",
        sa.Column("issuer_uscc", sa.String(length=18), nullable=False),
        sa.Column("type_slug", sa.String(length=40), nullable=False),
        sa.Column("next_serial", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_uscc"], ["issuers.uscc"], name=op.f("fk_serial_counters_issuer_uscc_issuers")
        ),
        sa.PrimaryKeyConstraint("issuer_uscc", "type_slug", name=op.f("pk_serial_counters")),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("identifier", sa.String(length=100), nullable=False),
        sa.Column("type_slug", sa.String(length=40), nullable=False),
        sa.Column("issuer_uscc", sa.String(length=18), nullable=False),
        sa.Column("serial", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("primary_holder", sa.String(length=18), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=2), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("kid", sa.String(length=43), nullable=False),
        sa.Column("qr", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_uscc"], ["issuers.uscc"], name=op.f("fk_certificates_issuer_uscc_issuers")
        ),
        sa.ForeignKeyConstraint(
            ["kid"], ["issuer_keys.kid"], name=op.f("fk_certificates_kid_issuer_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("identifier", name=op.f("uq_certificates_identifier")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_certificates_issuer_type_serial",
            ["issuer_uscc", "type_slug", "serial"],
            unique=True,
        )
        batch_op.create_index(
            batch_op.f("ix_certificates_primary_holder"), ["primary_holder"], unique=False
        )

    op.create_table(
        "certificate_holders",
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("holder_code", sa.String(length=18), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_holders_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint(
            "certificate_id", "holder_code", name=op.f("pk_certificate_holders")
        ),
    )
    with op.batch_alter_table("certificate_holders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_holders_holder_code"), ["holder_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("certificate_holders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_holders_holder_code"))

    op.drop_table("certificate_holders")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_primary_holder"))
        batch_op.drop_index("ix_certificates_issuer_type_serial")

    op.drop_table("certificates")
    op.drop_table("serial_counters")
    with op.batch_alter_table("issuer_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issuer_keys_issuer_uscc"))

    op.drop_table("issuer_keys")
    op.drop_table("issuers")
