"""The citizen accounts' tables: citizens, their sessions, and the login throttle."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table

from issuers.store.metadata import UTCDateTime, metadata

# Citizen accounts: a 公民身份号码, a name and an argon2id password hash.
citizens = Table(
    "citizens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("id_number", String(18), nullable=False, unique=True),  # 公民身份号码, validated
    Column("name", String(100), nullable=False),
    Column("password_hash", String(255), nullable=False),  # argon2id PHC string, never the password
    Column("created_at", UTCDateTime, nullable=False),
    # Unused since logins are throttled in login_throttle (kept: no schema change).
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
)


# Bearer sessions: only the SHA-256 of the token is stored, so a database leak yields
# no usable token (the token has 256 random bits, so an unsalted hash is enough).
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("citizen_id", Integer, ForeignKey("citizens.id"), nullable=False, index=True),
    Column("kind", String(8), nullable=False),  # "api" | "web"
    Column("csrf_token_hash", String(64), nullable=True),  # web sessions only
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)


# Password guesses per 公民身份号码, with or without an account (one code path, so no
# answer tells that an account exists). A guess is counted here before its password
# is checked; a success deletes the row, and a row goes once its lock and its last
# failure are older than the lock period.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("id_number", String(18), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("last_failure_at", UTCDateTime, nullable=False, index=True),
)
