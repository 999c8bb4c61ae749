"""One offline verification: the usual verdict, plus how old the cached data was."""

from __future__ import annotations

from datetime import datetime

from verifiers.offline.verifier import OfflineVerifier
from verifiers.verdict import Verdict, VerifierContext, verdict_for


def verify_offline(qr: str, verifier: OfflineVerifier, now: datetime) -> Verdict:
    """:func:`verifiers.verdict.verdict_for` over the cache, with ``offline=True``, the
    age of the data it drew on (``data_age_seconds``) and any staleness warnings."""
    verifier.begin(now)
    context = VerifierContext(keys=verifier.keys, clock=lambda: now, status=verifier.status)
    verdict = verdict_for(qr, context)
    age = verifier.data_age(now)
    return verdict.model_copy(
        update={
            "offline": True,
            "data_age_seconds": None if age is None else int(age.total_seconds()),
            "warnings": [*verdict.warnings, *verifier.warnings],
        }
    )
