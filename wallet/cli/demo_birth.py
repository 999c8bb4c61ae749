"""The demo's first step, in the real order: the hospital (助产机构) issues the newborn's
出生医学证明 at birth, before the family applies for anything (《母婴保健法》第二十三条).

``elicense demo newborn`` plays the hospital through the issuer administration API
(``POST /issuers/{uscc}/certificates``) with the demo admin token, which ``serve
--demo`` keeps in its data directory (or ``--admin-token`` / ``ELICENSE_ADMIN_TOKEN``).
The baby is born two hours before the demo runs and has no 公民身份号码 yet: the
bundle's 出生登记 assigns one. Each run is another baby (a new certificate number).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from issuers.clock import CHINA_STANDARD_TIME
from wallet.cli.fields import UsageError

__all__ = ["HOSPITAL", "admin_token", "birth_fields"]

HOSPITAL = "12310000000000004D"  # 上海市示范妇婴医院 (samples/issuers.json)
HOSPITAL_NAME = "上海市示范妇婴医院"
HOSPITAL_REGION = "310106"
ADMIN_TOKEN_ENV = "ELICENSE_ADMIN_TOKEN"  # noqa: S105 - a variable name


def admin_token(given: str | None) -> str:
    """``--admin-token``, else ``ELICENSE_ADMIN_TOKEN``, else the demo's token file in
    ``ELICENSE_DATA_DIR`` (default ``var``), as ``serve --demo`` wrote it."""
    if given:
        return given
    if os.environ.get(ADMIN_TOKEN_ENV):
        return os.environ[ADMIN_TOKEN_ENV]
    path = Path(os.environ.get("ELICENSE_DATA_DIR", "var")) / "demo-admin-token"
    try:
        token = path.read_text("utf-8").strip()
    except OSError:
        token = ""
    if not token:
        raise UsageError(
            f"no admin token: run beside `elicense serve --demo` (it writes {path}) or"
            " pass --admin-token"
        )
    return token


def birth_fields(father: tuple[str, str], mother: tuple[str, str], now: datetime) -> dict[str, Any]:
    """The 出生医学证明 of a baby born two hours before ``now``; ``father`` and
    ``mother`` are (公民身份号码, name)."""
    born = (now - timedelta(hours=2)).astimezone(CHINA_STANDARD_TIME).replace(microsecond=0)
    serial = int(now.timestamp() * 10) % 10**8  # a new number each run, 0.1 s apart
    return {
        "certificate_number": f"Q3{serial:08d}",
        "child_name": f"{father[1][0]}小满",
        "child_sex": 2,
        "birth_datetime": born.isoformat(),
        "birth_region_code": HOSPITAL_REGION,
        "birth_place": HOSPITAL_NAME,
        "gestational_weeks": 39,
        "birth_weight_g": 3250,
        "birth_length_cm": 50,
        "mother_name": mother[1],
        "mother_id_number": mother[0],
        "father_name": father[1],
        "father_id_number": father[0],
        "institution_name": HOSPITAL_NAME,
    }
