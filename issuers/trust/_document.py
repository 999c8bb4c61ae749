"""Sign and verify the trust-list JWT (``typ: trustlist+jwt``); see :mod:`issuers.trust`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from issuers.crypto.keys import SigningKey
from issuers.errors import (
    InvalidInput,
    PayloadTooLarge,
    TrustListExpired,
    TrustListInvalid,
    TrustListSignatureInvalid,
    UntrustedAnchor,
)
from issuers.formats import jws
from issuers.trust._claims import from_claims, to_claims
from issuers.trust._model import TrustAnchor, TrustList

TYP = "trustlist+jwt"
DEFAULT_MAX_BYTES = 1 << 20  # 1 MiB: thousands of issuers; a CDN file, not a stream
# How far a signed iat may be ahead of a verifier's clock and still be taken for a
# clock difference (an offline device's clock drifts). Beyond it, a document claims to
# come from the future: a trust list here, a status list in verifiers.offline.
CLOCK_SKEW = timedelta(minutes=5)


def sign_trust_list(trust_list: TrustList, anchor: SigningKey) -> str:
    """The JWS compact serialization of ``trust_list``, signed by the region's anchor.

    Refuses (``InvalidInput``) a list that :func:`verify_trust_list` would refuse, and
    one whose ``anchor_kid`` names another key than ``anchor`` ("" means "this one").
    """
    kid = anchor.public.kid
    if trust_list.anchor_kid not in ("", kid):
        raise InvalidInput("anchor_kid names another key than the anchor", field="anchor_kid")
    claims = to_claims(trust_list)
    try:
        from_claims(claims, anchor_kid=kid)
    except TrustListInvalid as exc:
        raise InvalidInput(exc.message, field=exc.field) from None
    header = {"alg": anchor.alg.value, "kid": kid, "typ": TYP}
    return jws.sign(header, jws.dumps(claims), anchor)


def verify_trust_list(
    text: str,
    *,
    anchors: Sequence[TrustAnchor],
    now: datetime,
    max_bytes: int = DEFAULT_MAX_BYTES,
    leeway: timedelta = CLOCK_SKEW,
) -> TrustList:
    """Return the list if a trusted anchor signed it for its own region, it is not
    past ``exp`` and not issued (``iat``) more than ``leeway`` after ``now``.

    Checks, in order: size (``PayloadTooLarge``); JWS shape and header, ``typ``
    (``trust_list_invalid``); ``kid`` among ``anchors`` (``untrusted_anchor``); ``alg``
    and signature (``trust_list_signature_invalid``); then the claims
    (``trust_list_invalid``: among them, every issuer registered in the list's
    province), ``iss`` equal to the anchor's configured region (``trust_list_invalid``)
    and ``exp`` > ``now`` (``trust_list_expired``), ``iat`` <= ``now`` + ``leeway``
    (``trust_list_invalid``: a list from the future would stay in effect until then,
    and its ``seq``, a clock reading on our server, would make every real list after it
    look like a rollback). No claim is read before the signature verified.
    """
    if not isinstance(text, str):
        raise TrustListInvalid("a trust list is text", field="jws")
    if len(text) > max_bytes:
        raise PayloadTooLarge(f"trust list is over {max_bytes} bytes", field="jws")
    if not text.isascii():  # so len(text) above counted bytes
        raise TrustListInvalid("a JWS compact serialization is ASCII", field="jws")
    parsed = jws.parse(text.strip(), error=TrustListInvalid)
    header = parsed.header
    if jws.media_type(header.get("typ")) != TYP:
        raise TrustListInvalid(f'the JWS typ must be "{TYP}"', field="typ")
    if "crit" in header:
        raise TrustListInvalid("no critical header extensions are understood", field="crit")
    alg, kid = header.get("alg"), header.get("kid")
    if not isinstance(alg, str) or alg not in jws.ALGORITHMS:
        raise TrustListInvalid(f"alg must be one of {sorted(jws.ALGORITHMS)}", field="alg")
    if not isinstance(kid, str):
        raise TrustListInvalid("the JWS header needs the anchor's kid", field="kid")
    anchor = next((a for a in anchors if a.kid == kid), None)
    if anchor is None:
        raise UntrustedAnchor(f"no trusted anchor has kid {kid[:43]}", field="kid")
    jws.verify(parsed, anchor.key, error=TrustListSignatureInvalid)
    claims = jws.load_object(parsed.payload, "payload", error=TrustListInvalid)
    trust_list = from_claims(claims, anchor_kid=kid)
    if trust_list.region_code != anchor.region_code:
        # Else one province's anchor could sign a list "of" another province and vouch
        # for its issuers: the anchor's region comes from our configuration.
        raise TrustListInvalid(
            f"trust list iss: {trust_list.region_code}, but anchor {kid[:43]} is "
            f"configured as {anchor.region_code}'s",
            field="iss",
        )
    if trust_list.issued_at.timestamp() > (now + leeway).timestamp():
        raise TrustListInvalid(
            f"trust list {trust_list.region_code} #{trust_list.sequence} says it was issued "
            f"at {trust_list.issued_at.isoformat()}, in the future of this verifier's clock",
            field="iat",
        )
    if trust_list.next_update.timestamp() <= now.timestamp():
        raise TrustListExpired(
            f"trust list {trust_list.region_code} #{trust_list.sequence} expired at "
            f"{trust_list.next_update.isoformat()}"
        )
    return trust_list
