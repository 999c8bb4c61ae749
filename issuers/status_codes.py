"""Certificate status (证照状态) and how it maps onto the Token Status List.

Status codes (DESIGN.md): 01 有效 valid, 02 暂扣 suspended, 03 撤销 revoked,
04 注销 cancelled, 05 失效 lapsed, 06 转出 transferred out, 07 吊销 withdrawn as a
penalty. 03-07 all mean invalid and are final; the code and the reason are kept in the
registry, while the published status list carries only the IETF Token Status List
value (0x00 VALID, 0x01 INVALID, 0x02 SUSPENDED), so a verifier learns "invalid" but
not why.

Transitions: 01 → 02 (suspend) or 03-07; 02 → 01 (reinstate) or 03-07; 03-07 → none.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from issuers.errors import Conflict
from issuers.formats.cwt import StatusReference
from issuers.formats.status_list import StatusType
from issuers.registry import IssuerInfo

# The §7.1 values, defined once in the format module; the names are kept for callers.
LIST_VALID, LIST_INVALID, LIST_SUSPENDED = (
    StatusType.VALID,
    StatusType.INVALID,
    StatusType.SUSPENDED,
)


class CertificateStatus(StrEnum):
    VALID = "01"
    SUSPENDED = "02"
    REVOKED = "03"
    CANCELLED = "04"
    LAPSED = "05"
    TRANSFERRED = "06"
    WITHDRAWN = "07"

    @property
    def name_zh(self) -> str:
        return _NAMES_ZH[self]

    @property
    def list_value(self) -> int:
        if self is CertificateStatus.VALID:
            return LIST_VALID
        if self is CertificateStatus.SUSPENDED:
            return LIST_SUSPENDED
        return LIST_INVALID

    @property
    def is_final(self) -> bool:
        return self.list_value == LIST_INVALID


_NAMES_ZH = {
    CertificateStatus.VALID: "有效",
    CertificateStatus.SUSPENDED: "暂扣",
    CertificateStatus.REVOKED: "撤销",
    CertificateStatus.CANCELLED: "注销",
    CertificateStatus.LAPSED: "失效",
    CertificateStatus.TRANSFERRED: "转出",
    CertificateStatus.WITHDRAWN: "吊销",
}


def check_transition(current: CertificateStatus, target: CertificateStatus) -> None:
    """Raise :class:`Conflict` unless ``current`` may become ``target``."""
    if current.is_final:
        raise Conflict(
            f"the certificate is {current.value} {current.name_zh}, which is final",
            field="status",
        )
    if current == target:
        raise Conflict(
            f"the certificate is already {current.value} {current.name_zh}", field="status"
        )


class StatusChecker(Protocol):
    """Answers the Token Status List value for a credential's status reference.

    ``issuer`` is the issuer whose key verified the credential (the verifier has
    checked the claims name it). It travels with the call, not in shared state, so one
    checker serves many verifications at once; a checker uses it to make sure the list
    it reads is that issuer's own.
    """

    def status_of(self, reference: StatusReference, now: datetime, issuer: IssuerInfo) -> int:
        """Return 0x00, 0x01 or 0x02, or raise a typed error if it cannot be known."""
        ...
