"""one-stop bundle applications (一件事): applications, parties, items, timeline

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_APPLICATION = "bundle_applications.id"


def upgrade() -> None:
    op.create_table(
        "bundle_applications",
        sa.Column("id", sa.String(length=43), nullable=False),
        sa.Column("bundle", sa.String(length=40), nullable=False),
        sa.Column("bundle_version", sa.Integer(), nullable=False),
        sa.Column("applicant_code", sa.String(length=18), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("consent_request_id", sa.String(length=43), nullable=True),
        sa.Column("holders", sa.JSON(), nullable=False),
        sa.Column("presented", sa.JSON(), nullable=False),
        sa.Column("verified", sa.JSON(), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.Column("submitted_form", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_item", sa.String(length=40), nullable=True),
        sa.Column("failure_reason", sa.String(length=400), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundle_applications")),
    )
    with op.batch_alter_table("bundle_applications") as batch:
        batch.create_index(
            batch.f("ix_bundle_applications_applicant_code"), ["applicant_code"], unique=False
        )
        batch.create_index(batch.f("ix_bundle_applications_bundle"), ["bundle"], unique=False)
        batch.create_index(
            batch.f("ix_bundle_applications_consent_request_id"),
            ["consent_request_id"],
            unique=False,
        )
    op.create_table(
        "bundle_application_parties",
        sa.Column("application_id", sa.String(length=43), nullable=False),
        sa.Column("holder_code", sa.String(length=18), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            [_APPLICATION],
            name=op.f("fk_bundle_application_parties_application_id_bundle_applications"),
        ),
        sa.PrimaryKeyConstraint(
            "application_id", "holder_code", "role", name=op.f("pk_bundle_application_parties")
        ),
    )
    with op.batch_alter_table("bundle_application_parties") as batch:
        batch.create_index(
            batch.f("ix_bundle_application_parties_holder_code"), ["holder_code"], unique=False
        )
    op.create_table(
        "bundle_application_items",
        sa.Column("application_id", sa.String(length=43), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            [_APPLICATION],
            name=op.f("fk_bundle_application_items_application_id_bundle_applications"),
        ),
        sa.PrimaryKeyConstraint(
            "application_id", "item_code", name=op.f("pk_bundle_application_items")
        ),
    )
    op.create_table(
        "bundle_application_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(length=43), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=True),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            [_APPLICATION],
            name=op.f("fk_bundle_application_events_application_id_bundle_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundle_application_events")),
    )
    with op.batch_alter_table("bundle_application_events") as batch:
        batch.create_index(
            batch.f("ix_bundle_application_events_application_id"),
            ["application_id"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("bundle_application_events")
    op.drop_table("bundle_application_items")
    op.drop_table("bundle_application_parties")
    op.drop_table("bundle_applications")
