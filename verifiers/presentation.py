"""Verify a dynamic presentation (亮证), and tell it from a static QR credential.

Order matters, as in :mod:`verifiers.qr`: the issuer credential inside is verified
first with the same core (signature, trust, validity, schema, status), because the
holder key is believed only once the issuer has signed it as ``cnf`` (RFC 8747 §3.1:
the issuer "asserts that the presenter possesses" that key). Then the holder's
signature over the envelope, whether the server that made the holder's key has
retired it (online only: a lost phone fails at once, whatever copy it kept), then its
window, the verifier's nonce, and last the replay guard, so a presentation that fails
any check is never remembered as seen.
Format: :mod:`issuers.formats.presentation`.
"""

from __future__ import annotations

import heapq
import hmac
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from issuers.clock import Clock, utc_now
from issuers.crypto.keys import b64url
from issuers.errors import (
    HolderSignatureInvalid,
    NonceMismatch,
    PresentationStale,
    Replayed,
    Revoked,
    SignatureInvalid,
)
from issuers.formats import cose_sign1, qr_envelope
from issuers.formats import presentation as format_
from issuers.formats.cwt import CredentialClaims
from issuers.formats.holder_binding import holder_key_from
from issuers.registry import KeyResolver
from issuers.status_codes import StatusChecker
from verifiers.qr import DEFAULT_LEEWAY, verify_credential_cose, verify_qr
from verifiers.result import VerifiedCredential

DEFAULT_SKEW = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class VerifiedPresentation:
    """What the inspector saw: the credential, and whether it was shown live.

    ``kind`` is ``"dynamic"`` for a holder-signed presentation (then ``presented_at``,
    ``expires_at``, ``holder_kid`` and ``holder_alg``, the JOSE name of the holder key's
    algorithm, are set) and ``"static"`` for a plain credential
    QR, which proves the credential but not that its holder is the one showing it.
    """

    credential: VerifiedCredential
    kind: Literal["static", "dynamic"]
    presented_at: datetime | None = None
    expires_at: datetime | None = None
    holder_kid: str | None = None
    holder_alg: str | None = None


class ReplayGuard(Protocol):
    """Remembers the live presentations already scanned (single-use mode).

    Recording must be atomic for every verifier that shares the guard: of concurrent
    calls with one ``token_id``, exactly one may answer False. A server with several
    worker processes needs a guard they all share (the server's is in its database:
    ``issuers.store.replay_guard``); this core stays free of any database.
    """

    def seen(self, token_id: bytes, expires: datetime) -> bool:
        """Record ``token_id`` until ``expires``; True when it was already recorded."""
        ...


class HolderKeyStatus(Protocol):
    """The holder keys a wallet server knows (online verification on that server).

    A retired key (a lost or replaced device) signs nothing valid any more: its copies'
    status entries are invalidated too, but a verifier that knows the key is retired
    refuses at once every presentation it signed, whichever copy it signs over."""

    def retired(self, kid: str) -> bool:
        """True when ``kid`` (RFC 7638 thumbprint) is a holder key retired here."""
        ...


class MemoryReplayGuard:
    """Thread-safe, bounded, in-memory :class:`ReplayGuard` for one verifier process
    (one process only: other processes never see what it recorded).

    Entries are forgotten once ``clock()`` passes their ``expires`` (by then the
    window check rejects the token anyway), so give it the verifier's clock. When
    ``max_entries`` live tokens are held, the one expiring soonest is dropped first.
    """

    def __init__(
        self,
        *,
        max_entries: int = 100_000,
        clock: Clock = utc_now,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be positive")
        self._max = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._expiry: dict[bytes, datetime] = {}
        self._heap: list[tuple[datetime, bytes]] = []

    def seen(self, token_id: bytes, expires: datetime) -> bool:
        with self._lock:
            self._forget(lambda at: at < self._clock())
            if token_id in self._expiry:
                return True
            while len(self._expiry) >= self._max:
                self._forget(lambda _at: True, limit=1)
            self._expiry[token_id] = expires
            heapq.heappush(self._heap, (expires, token_id))
            return False

    def __len__(self) -> int:
        with self._lock:
            return len(self._expiry)

    def _forget(self, due: Callable[[datetime], bool], limit: int | None = None) -> None:
        removed = 0
        while self._heap and due(self._heap[0][0]) and (limit is None or removed < limit):
            at, token_id = heapq.heappop(self._heap)
            if self._expiry.get(token_id) == at:
                del self._expiry[token_id]
                removed += 1


def verify_presentation(
    text: str,
    *,
    keys: KeyResolver,
    now: datetime,
    skew: timedelta = DEFAULT_SKEW,
    expected_nonce: bytes | None = None,
    replay: ReplayGuard | None = None,
    status: StatusChecker | None = None,
    holder_keys: HolderKeyStatus | None = None,
    leeway: timedelta = DEFAULT_LEEWAY,
    limits: qr_envelope.EnvelopeLimits = qr_envelope.DEFAULT_LIMITS,
) -> VerifiedPresentation:
    """Return the presented credential, or raise why the presentation is not good.

    ``skew`` is the clock difference tolerated between phone and verifier; ``leeway``
    applies to the credential's own validity, as in :func:`verifiers.qr.verify_qr`.
    """
    shown = format_.decode(text, limits)
    try:
        credential = verify_credential_cose(
            shown.credential, keys=keys, now=now, leeway=leeway, status=status
        )
    except Revoked:
        # A copy is invalidated in its status list when its holder key is retired: say
        # so when this server knows, rather than blame the issuer for a lost phone.
        if holder_keys is not None and holder_keys.retired(_bound_kid(shown.credential)):
            raise Revoked(_RETIRED) from None
        raise
    holder = holder_key_from(credential.confirmation)
    thumbprint = holder.thumbprint  # once: a JSON and a SHA-256 (RFC 7638)
    if shown.message.kid not in (format_.CNF_KID, thumbprint) or (
        shown.message.alg is not holder.alg
    ):
        raise HolderSignatureInvalid("the presentation names another key than the holder's")
    try:
        shown.message.verify(holder)
    except SignatureInvalid:
        raise HolderSignatureInvalid("the holder key did not sign this presentation") from None
    holder_kid = b64url(thumbprint)
    if holder_keys is not None and holder_keys.retired(holder_kid):
        raise Revoked(_RETIRED)

    if shown.expires - shown.issued_at > format_.MAX_LIFETIME.total_seconds():
        raise PresentationStale(
            f"a dynamic presentation lives at most {format_.MAX_LIFETIME}; this one claims "
            f"{shown.expires - shown.issued_at} s"
        )
    instant, slack = now.timestamp(), skew.total_seconds()
    if instant < shown.issued_at - slack:
        raise PresentationStale("the presentation is dated in the future")
    if instant > shown.expires + slack:
        raise PresentationStale(f"the presentation expired at {_describe(shown.expires)}")
    if expected_nonce is not None and (
        shown.nonce is None or not hmac.compare_digest(shown.nonce, expected_nonce)
    ):
        raise NonceMismatch("the presentation does not carry this verifier's nonce")
    if replay is not None and replay.seen(
        shown.token_id, _time(shown.expires) + skew + timedelta(seconds=1)
    ):
        raise Replayed("this presentation was already scanned")
    return VerifiedPresentation(
        credential=credential,
        kind="dynamic",
        presented_at=_time(shown.issued_at),
        expires_at=_time(shown.expires),
        holder_kid=holder_kid,
        holder_alg=holder.alg.value,
    )


def verify_any(
    text: str,
    *,
    keys: KeyResolver,
    now: datetime,
    skew: timedelta = DEFAULT_SKEW,
    expected_nonce: bytes | None = None,
    replay: ReplayGuard | None = None,
    status: StatusChecker | None = None,
    holder_keys: HolderKeyStatus | None = None,
) -> VerifiedPresentation:
    """A dynamic presentation (``ELP1:``) or a static credential QR (``EL1:``), with
    ``kind`` saying which, so the inspector sees whether the holder showed it live.

    A verifier that asks for a nonce asks for a live presentation: a static QR then
    fails with :class:`NonceMismatch`, as it carries none."""
    if format_.is_presentation(text):
        return verify_presentation(
            text,
            keys=keys,
            now=now,
            skew=skew,
            expected_nonce=expected_nonce,
            replay=replay,
            status=status,
            holder_keys=holder_keys,
        )
    credential = verify_qr(text, keys=keys, now=now, status=status)
    if expected_nonce is not None:
        raise NonceMismatch("a static credential QR carries no nonce; show the live code")
    return VerifiedPresentation(credential, "static")


_RETIRED = (
    "the holder key of this presentation was retired (a lost or replaced device): only"
    " the holder's current key presents this certificate"
)


def _bound_kid(credential: bytes) -> str:
    """The ``cnf`` key's kid of a credential whose signature was already verified."""
    claims = CredentialClaims.from_cbor(cose_sign1.decode(credential).payload)
    return holder_key_from(claims.confirmation).kid


def _time(numeric_date: int) -> datetime:
    """Only called once the window check has held the date near ``now``."""
    return datetime.fromtimestamp(numeric_date, UTC)


def _describe(numeric_date: int) -> str:
    try:
        return _time(numeric_date).isoformat()
    except (ValueError, OverflowError, OSError):
        return f"NumericDate {numeric_date}"
