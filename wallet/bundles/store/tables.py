"""The bundle tables: applications (一件事 申请), their parties, their items and
their timeline. Nothing outside :mod:`wallet.bundles.store` writes them.

An application row is the department's application record: it holds the personal
data the application needs (the parties' 公民身份号码, the prefilled and submitted
form, the verified claims by role and type, cross-region credentials presented at
creation). None of it goes to logs; the workflow engine (DBOS) is handed only the
application id.

``bundle_application_parties`` lists every holder of the application (the applicant
and each role's holder) so "my applications" is one indexed lookup.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, Text

from issuers.store.metadata import UTCDateTime, metadata

bundle_applications = Table(
    "bundle_applications",
    metadata,
    Column("id", String(43), primary_key=True),  # random, url-safe, 192 bits
    Column("bundle", String(40), nullable=False, index=True),
    Column("bundle_version", Integer, nullable=False),
    Column("applicant_code", String(18), nullable=False, index=True),
    # awaiting_consent | verifying | awaiting_submit | processing | completed |
    # rejected | refused | cancelled | failed
    Column("state", String(20), nullable=False),
    Column("consent_request_id", String(43), nullable=True, index=True),
    Column("holders", JSON, nullable=False),  # role -> 公民身份号码
    Column("presented", JSON, nullable=False),  # [{role, type, credential}] (跨省)
    Column("verified", JSON, nullable=False),  # role -> type -> {identifier, issuer, claims}
    Column("form", JSON, nullable=False),  # field -> {value, source}
    Column("conflicts", JSON, nullable=False),  # [{field, values: [{source, value}]}]
    Column("submitted_form", JSON, nullable=True),  # field -> value, as submitted
    Column("created_at", UTCDateTime, nullable=False),
    Column("submitted_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("failed_item", String(40), nullable=True),
    Column("failure_reason", String(400), nullable=True),
)

bundle_application_parties = Table(
    "bundle_application_parties",
    metadata,
    Column(
        "application_id",
        String(43),
        ForeignKey("bundle_applications.id"),
        primary_key=True,
    ),
    Column("holder_code", String(18), primary_key=True, index=True),
    Column("role", String(40), primary_key=True),
)

bundle_application_items = Table(
    "bundle_application_items",
    metadata,
    Column(
        "application_id",
        String(43),
        ForeignKey("bundle_applications.id"),
        primary_key=True,
    ),
    Column("item_code", String(40), primary_key=True),
    Column("state", String(10), nullable=False),  # waiting | running | done | rejected | stopped
    Column("started_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("outputs", JSON, nullable=False),  # [{identifier, type, issuer, holders, version}]
    Column("facts", JSON, nullable=False),
    Column("note", String(400), nullable=True),  # the department's note, or the rejection
)

bundle_application_events = Table(
    "bundle_application_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "application_id",
        String(43),
        ForeignKey("bundle_applications.id"),
        nullable=False,
        index=True,
    ),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(30), nullable=False),
    Column("item", String(40), nullable=True),
    Column("text_zh", Text, nullable=False),
)
