"""A verdict as the inspector page shows it: a colour, a headline, and masked fields.

Colours: green for valid; amber for what is neither proven good nor proven bad —
暂扣 (suspended), a live QR past its window (``presentation_stale``: a screenshot),
and trust or status data too old to rely on (``*_list_expired``, ``status_unavailable``,
or a valid verdict carrying a staleness warning); red for every other failure.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, Literal

from issuers.catalogue import CATALOGUE
from verifiers.inspector.display import (
    FieldRow,
    algorithm_label,
    field_rows,
    id_numbers_in,
    redact,
)
from verifiers.verdict import Verdict

__all__ = ["VerdictView", "verdict_view"]

Tone = Literal["green", "amber", "red"]

# code -> (headline zh, headline en); every other failure is red 无效 INVALID.
_AMBER: Final[dict[str, tuple[str, str]]] = {
    "suspended": ("暂扣", "SUSPENDED"),
    "presentation_stale": ("已过时 二维码已失效", "STALE"),
    "status_list_expired": ("状态数据过期", "STALE STATUS DATA"),
    "trust_list_expired": ("信任数据过期", "STALE TRUST DATA"),
    "status_unavailable": ("状态无法确认", "STATUS UNKNOWN"),
}
_STALE_WARNING_PREFIXES: Final = ("status_list_stale", "trust_list_stale")
_KIND_LABELS: Final = {
    "dynamic": ("动态亮证", "live (holder-signed, time-limited)"),
    "static": ("静态二维码（纸质/截图）", "static (printout or screenshot)"),
}


@dataclass(frozen=True, slots=True)
class VerdictView:
    tone: Tone
    state: str  # valid, invalid, suspended, stale, ... : stable, for tests and styling
    headline_zh: str
    headline_en: str
    code: str | None
    message: str | None
    checked_at: datetime
    kind: Literal["static", "dynamic"] | None = None
    kind_zh: str | None = None
    kind_en: str | None = None
    type_zh: str | None = None
    type_en: str | None = None
    identifier: str | None = None
    issuer_zh: str | None = None
    issuer_en: str | None = None
    issuer_uscc: str | None = None
    region: str | None = None
    holders: tuple[str, ...] = ()
    rows: tuple[FieldRow, ...] = ()
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    presented_at: datetime | None = None
    expires_at: datetime | None = None
    issuer_alg: str | None = None  # JOSE names, for data attributes
    holder_alg: str | None = None  # a dynamic presentation's holder key
    issuer_alg_label: str | None = None  # as people read it: 国密 SM2, Ed25519, ES256
    holder_alg_label: str | None = None
    warnings: tuple[str, ...] = ()
    offline: bool = False
    data_age_seconds: int | None = None


def _headline(verdict: Verdict) -> tuple[Tone, str, str, str]:
    if verdict.valid:
        if any(w.startswith(_STALE_WARNING_PREFIXES) for w in verdict.warnings):
            return "amber", "valid_stale_data", "有效（数据过期）", "VALID, STALE DATA"
        return "green", "valid", "有效", "VALID"
    code = verdict.code or "invalid"
    if code in _AMBER:
        zh, en = _AMBER[code]
        state = "stale" if code == "presentation_stale" else code
        return "amber", state, zh, en
    return "red", "invalid", "无效", "INVALID"


def verdict_view(verdict: Verdict) -> VerdictView:
    """The page's view of ``verdict``; ID numbers masked unless the type shows them."""
    tone, state, zh, en = _headline(verdict)
    base = VerdictView(
        tone=tone,
        state=state,
        headline_zh=zh,
        headline_en=en,
        code=verdict.code,
        message=verdict.message,
        checked_at=verdict.checked_at,
        warnings=tuple(verdict.warnings),
        offline=verdict.offline,
        data_age_seconds=verdict.data_age_seconds,
        presented_at=verdict.presented_at,
        expires_at=verdict.expires_at,
    )
    credential = verdict.credential
    if credential is None:
        return base
    entry = CATALOGUE.get(credential.type.slug)
    shows = entry is not None and entry.shows_id_number
    masked = frozenset() if shows else id_numbers_in(credential.fields, credential.holder_codes)
    kind = _KIND_LABELS.get(verdict.kind or "")
    issuer = credential.issuer
    return replace(
        base,
        kind=verdict.kind,
        kind_zh=kind[0] if kind else None,
        kind_en=kind[1] if kind else None,
        type_zh=credential.type.name_zh,
        type_en=credential.type.name_en,
        identifier=credential.identifier,
        issuer_zh=issuer.name_zh,
        issuer_en=issuer.name_en,
        issuer_uscc=issuer.uscc,
        region=f"{issuer.region_code} {issuer.region_name or ''}".strip(),
        holders=tuple(redact(code, masked) for code in credential.holder_codes),
        rows=tuple(field_rows(credential.fields, masked)),
        valid_from=credential.valid_from,
        valid_until=credential.valid_until,
        issuer_alg=credential.alg,
        issuer_alg_label=algorithm_label(credential.alg),
        holder_alg=verdict.holder_alg,
        holder_alg_label=None
        if verdict.holder_alg is None
        else algorithm_label(verdict.holder_alg),
    )
