"""The consent store's SQL, one function a statement, each in the caller's transaction.

Reads of the issuers' tables (certificates and their holders) are reads only: this
feature writes no table but its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, or_, select, update

from issuers.status_codes import CertificateStatus
from issuers.store.tables import certificate_holders, certificates
from wallet.consent.records import ConsentRequest, Party, ValidCertificate
from wallet.consent.store.tables import consent_asks, consent_parties, consent_requests

# -- requests ---------------------------------------------------------------------------

# Every pull reads its grant (the request; its parties joined with their asks) and takes
# a use: built once, so each call only binds values (building costs more than running on
# SQLite). Under load a statement fewer in the write transaction is one GIL hand-off less.
_REQUESTS = (
    select(consent_requests)
    .where(consent_requests.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(consent_requests.c.created_at.desc())
)
_REQUESTS_LOCKED = _REQUESTS.with_for_update()
_PARTIES_WITH_ASKS = (
    select(consent_parties, consent_asks.c.type_slug, consent_asks.c.claims)
    .select_from(
        consent_parties.outerjoin(
            consent_asks,
            and_(
                consent_asks.c.request_id == consent_parties.c.request_id,
                consent_asks.c.holder_code == consent_parties.c.holder_code,
            ),
        )
    )
    .where(consent_parties.c.request_id.in_(bindparam("ids", expanding=True)))
    .order_by(consent_parties.c.position)
)
_TAKE_USE = (
    update(consent_requests)
    .where(
        consent_requests.c.id == bindparam("request_id"),
        consent_requests.c.state == "approved",
        consent_requests.c.uses_taken < consent_requests.c.max_uses,
    )
    .values(uses_taken=consent_requests.c.uses_taken + 1)
)


def insert_request(conn: Connection, request: ConsentRequest) -> None:
    conn.execute(
        consent_requests.insert().values(
            id=request.id,
            client_id=request.client_id,
            client_name=request.client_name,
            bundle_item=request.bundle_item,
            purpose=request.purpose,
            nonce=request.nonce,
            expires_at=request.expires_at,
            max_uses=request.max_uses,
            uses_taken=0,
            state="pending",
            created_at=request.created_at,
        )
    )
    conn.execute(
        consent_parties.insert(),
        [
            {"request_id": request.id, "holder_code": p.holder_code, "position": p.position,
             "decision": "pending"}
            for p in request.parties
        ],
    )  # fmt: skip
    conn.execute(
        consent_asks.insert(),
        [
            {"request_id": request.id, "holder_code": p.holder_code, "type_slug": slug,
             "claims": list(claims)}
            for p in request.parties
            for slug, claims in p.asks.items()
        ],
    )  # fmt: skip


def requests(conn: Connection, ids: Sequence[str], *, lock: bool = False) -> list[ConsentRequest]:
    """The requests with these ids, newest first, each with its parties and asks.
    ``lock``: held FOR UPDATE until the transaction ends (PostgreSQL; SQLite's write
    transaction already holds the database)."""
    if not ids:
        return []
    query = _REQUESTS_LOCKED if lock else _REQUESTS
    rows = conn.execute(query, {"ids": list(ids)}).all()
    parties = _parties(conn, [row.id for row in rows])
    return [_request(row, parties.get(row.id, ())) for row in rows]


def request_ids_naming(conn: Connection, holder_codes: Iterable[str]) -> list[str]:
    codes = sorted(set(holder_codes))
    if not codes:
        return []
    query = (
        select(consent_parties.c.request_id)
        .where(consent_parties.c.holder_code.in_(codes))
        .distinct()
    )
    return [row.request_id for row in conn.execute(query)]


def request_ids_approved_by_delegate(conn: Connection, owner: str, delegate: str) -> list[str]:
    """Requests still open (pending or approved) where ``delegate`` approved ``owner``'s
    party as their delegate: what revoking a delegation from one to the other reaches."""
    query = (
        select(consent_parties.c.request_id)
        .join(consent_requests, consent_requests.c.id == consent_parties.c.request_id)
        .where(
            consent_parties.c.holder_code == owner,
            consent_parties.c.decision == "approved",
            consent_parties.c.decided_via == "delegate",
            consent_parties.c.decided_by == delegate,
            consent_requests.c.state.in_(("pending", "approved")),
        )
    )
    return [row.request_id for row in conn.execute(query)]


def set_decision(
    conn: Connection, request_id: str, holder_code: str, decision: str,
    via: str, by: str, now: datetime,
) -> None:  # fmt: skip
    conn.execute(
        update(consent_parties)
        .where(
            consent_parties.c.request_id == request_id,
            consent_parties.c.holder_code == holder_code,
        )
        .values(decision=decision, decided_via=via, decided_by=by, decided_at=now)
    )


def set_state(
    conn: Connection, request_id: str, state: str, *, by: str | None = None,
    now: datetime | None = None,
) -> None:  # fmt: skip
    values: dict[str, Any] = {"state": state}
    if state == "revoked":
        values |= {"revoked_at": now, "revoked_by": by}
    conn.execute(update(consent_requests).where(consent_requests.c.id == request_id).values(values))


def withdraw(conn: Connection, request_id: str, now: datetime) -> bool:
    """Pending or approved -> withdrawn (its service took it back), stamped ``revoked_at``
    (when it stopped). Guarded in the UPDATE itself: a request already decided finally
    is left as it is (False)."""
    result = conn.execute(
        update(consent_requests)
        .where(
            consent_requests.c.id == request_id,
            consent_requests.c.state.in_(("pending", "approved")),
        )
        .values(state="withdrawn", revoked_at=now)
    )
    return result.rowcount == 1


def take_use(conn: Connection, request_id: str) -> bool:
    """One use, taken only while one is left: the guard is in the UPDATE itself, so two
    pulls at once cannot both take the last use."""
    result = conn.execute(_TAKE_USE, {"request_id": request_id})
    return result.rowcount == 1


def _parties(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[Party, ...]]:
    """Parties in position order, asks by type slug (the outer join: a row per ask)."""
    if not ids:
        return {}
    rows: dict[tuple[str, str], Row[Any]] = {}  # first row of each party, in position order
    asks: dict[tuple[str, str], list[tuple[str, tuple[str, ...]]]] = {}
    for row in conn.execute(_PARTIES_WITH_ASKS, {"ids": list(ids)}):
        key = (row.request_id, row.holder_code)
        rows.setdefault(key, row)
        if row.type_slug is not None:
            asks.setdefault(key, []).append((row.type_slug, tuple(row.claims)))
    found: dict[str, list[Party]] = {}
    for key, row in rows.items():
        found.setdefault(row.request_id, []).append(
            Party(
                holder_code=row.holder_code,
                position=row.position,
                asks=dict(sorted(asks.get(key, ()))),
                decision=row.decision,
                decided_at=row.decided_at,
                decided_via=row.decided_via,
                decided_by=row.decided_by,
            )
        )
    return {key: tuple(value) for key, value in found.items()}


def _request(row: Row[Any], parties: tuple[Party, ...]) -> ConsentRequest:
    return ConsentRequest(
        id=row.id,
        client_id=row.client_id,
        client_name=row.client_name,
        bundle_item=row.bundle_item,
        purpose=row.purpose,
        nonce=row.nonce,
        expires_at=row.expires_at,
        max_uses=row.max_uses,
        uses_taken=row.uses_taken,
        stored_state=row.state,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        parties=parties,
    )


# -- the issuers' certificates, read ------------------------------------------------------


def valid_certificates(
    conn: Connection, holder_code: str, type_slugs: Iterable[str], today: date
) -> list[ValidCertificate]:
    """The certificates of these types naming ``holder_code`` that are valid today
    (status 01, within their validity), newest first."""
    query = (
        select(certificates)
        .join(certificate_holders, certificate_holders.c.certificate_id == certificates.c.id)
        .where(
            certificate_holders.c.holder_code == holder_code,
            certificates.c.type_slug.in_(sorted(set(type_slugs))),
            certificates.c.status == CertificateStatus.VALID.value,
            certificates.c.valid_from <= today,
            or_(certificates.c.valid_until.is_(None), certificates.c.valid_until >= today),
        )
        .order_by(certificates.c.issued_at.desc(), certificates.c.id.desc())
    )
    return [
        ValidCertificate(
            identifier=row.identifier,
            type_slug=row.type_slug,
            issuer_uscc=row.issuer_uscc,
            issued_at=row.issued_at,
            fields=row.fields,
        )
        for row in conn.execute(query)
    ]
