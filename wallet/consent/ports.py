"""What the consent services need of their store (:class:`wallet.consent.store.
ConsentStore`), as a protocol, so the rules import no database library."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from wallet.consent.records import ConsentRequest, Delegation, ValidCertificate

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["ConsentRecords"]


class ConsentRecords(Protocol):
    def reading(self) -> AbstractContextManager[Connection]: ...
    def writing(self) -> AbstractContextManager[Connection]: ...
    def insert_request(self, conn: Connection, request: ConsentRequest) -> None: ...
    def request(
        self, conn: Connection, request_id: str, *, lock: bool = False
    ) -> ConsentRequest | None: ...
    def requests_naming(
        self, conn: Connection, holder_codes: Iterable[str]
    ) -> list[ConsentRequest]: ...
    def approved_by_delegate(
        self, conn: Connection, owner: str, delegate: str
    ) -> list[ConsentRequest]: ...
    def set_decision(
        self, conn: Connection, request_id: str, holder_code: str, decision: str,
        via: str, by: str, now: datetime,
    ) -> None: ...  # fmt: skip
    def set_state(
        self, conn: Connection, request_id: str, state: str, *, by: str | None = None,
        now: datetime | None = None,
    ) -> None: ...  # fmt: skip
    def take_use(self, conn: Connection, request_id: str) -> bool: ...
    def withdraw(self, conn: Connection, request_id: str, now: datetime) -> bool: ...
    def valid_certificates(
        self, conn: Connection, holder_code: str, type_slugs: Iterable[str], today: date
    ) -> Sequence[ValidCertificate]: ...
    def lock_delegations_of(self, conn: Connection, owner: str) -> None: ...
    def insert_delegation(self, conn: Connection, delegation: Delegation) -> None: ...
    def delegations_of(self, conn: Connection, citizen: str) -> Sequence[Delegation]: ...
    def revoke_delegation(
        self, conn: Connection, delegation_id: str, owner: str, now: datetime
    ) -> bool: ...
