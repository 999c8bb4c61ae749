"""A :class:`~issuers.registry.KeyResolver` over verified trust lists (互认 across regions)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from issuers.crypto.keys import b64url
from issuers.errors import TrustListInvalid, UnknownKey, UntrustedIssuer
from issuers.registry import TrustedKey
from issuers.trust._document import DEFAULT_MAX_BYTES, verify_trust_list
from issuers.trust._model import KEY_STATES, TrustAnchor, TrustList

# KEY_STATES runs active, retired, compromised: the later, the more severe.
_SEVERITY: dict[str, int] = {state: rank for rank, state in enumerate(KEY_STATES)}


class TrustListKeyResolver:
    """Resolves a COSE ``kid`` (raw RFC 7638 thumbprint) to the key a trust list vouches for.

    Give it lists that :func:`verify_trust_list` returned; it believes what they say.
    When lists overlap:

    1. Lists from the same anchor key for the same region form one sequence: only the
       highest ``seq`` counts, and it replaces the older ones whole (an issuer or key
       it leaves out is no longer trusted). Two different lists with the same anchor,
       region and ``seq`` mean the anchor equivocated: ``TrustListInvalid``.
    2. Lists from different anchors (Jiangsu's and Zhejiang's, or a province's and
       one of its cities') add up. If two of them list the same USCC, the keys of both
       are trusted, each with the issuer record its own list gives.
    3. A key listed by several of those lists must be given the same issuer record and
       validity window by each; the most severe ``status`` wins (compromised over
       retired over active). If they disagree, the key is ambiguous and resolving it
       raises ``UntrustedIssuer``.
    """

    def __init__(self, trust_lists: Iterable[TrustList]) -> None:
        current: dict[tuple[str, str], TrustList] = {}
        for trust_list in trust_lists:
            stream = (trust_list.anchor_kid, trust_list.region_code)
            held = current.get(stream)
            if held is None or trust_list.sequence > held.sequence:
                current[stream] = trust_list
            elif trust_list.sequence == held.sequence and trust_list != held:
                raise TrustListInvalid(
                    f"two different trust lists {trust_list.region_code} "
                    f"#{trust_list.sequence} from one anchor",
                    field="seq",
                )
        self._lists = tuple(sorted(current.values(), key=lambda t: (t.region_code, t.anchor_kid)))
        self._by_kid: dict[bytes, TrustedKey] = {}
        self._ambiguous: dict[bytes, str] = {}
        for trust_list in self._lists:
            for entry in trust_list.issuers:
                for key_entry in entry.keys:
                    self._add(key_entry.key.thumbprint, key_entry.trusted(entry.info))

    @classmethod
    def from_documents(
        cls,
        documents: Iterable[str],
        *,
        anchors: Sequence[TrustAnchor],
        now: datetime,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> TrustListKeyResolver:
        """Verify each signed list (any failure raises) and resolve over all of them."""
        return cls(
            verify_trust_list(text, anchors=anchors, now=now, max_bytes=max_bytes)
            for text in documents
        )

    def _add(self, thumbprint: bytes, trusted: TrustedKey) -> None:
        held = self._by_kid.get(thumbprint)
        if held is None:
            self._by_kid[thumbprint] = trusted
        elif replace(held, state=trusted.state) != trusted:
            self._ambiguous[thumbprint] = (
                f"key {b64url(thumbprint)} is listed for {held.issuer.uscc} and "
                f"{trusted.issuer.uscc} with different terms"
            )
        elif _SEVERITY[trusted.state] > _SEVERITY[held.state]:
            self._by_kid[thumbprint] = trusted

    @property
    def trust_lists(self) -> tuple[TrustList, ...]:
        """The lists in effect: the latest of each anchor and region."""
        return self._lists

    def resolve(self, kid: bytes) -> TrustedKey:
        if kid in self._ambiguous:
            raise UntrustedIssuer(self._ambiguous[kid])
        try:
            return self._by_kid[kid]
        except KeyError:
            raise UnknownKey(f"no trusted list names key {b64url(kid)[:43]}") from None

    def __len__(self) -> int:
        return len(self._by_kid)
