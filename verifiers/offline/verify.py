"""One offline verification: the usual verdict, plus how old the cached data was."""

from __future__ import annotations

from datetime import datetime

from verifiers.offline.verifier import OfflineVerifier
from verifiers.verdict import Verdict, VerifierContext, verdict_for


def verify_offline(qr: str, verifier: OfflineVerifier, now: datetime) -> Verdict:
    """:func:`verifiers.verdict.verdict_for` over the cache, with ``offline=True``, the
    age of the data it drew on (``data_age_seconds``) and any staleness warnings.

    Safe to call from many threads with one ``verifier``: each call has its own session.
    """
    context = VerifierContext(keys=verifier.resolver, clock=lambda: now, sessions=verifier.session)
    return verdict_for(qr, context)
