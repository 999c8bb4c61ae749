"""林小龙's family for the newborn-bundle tests (samples/citizens.json): 林小龙 (户主,
闵行), his wife 周敏 (born in 张家港), and their daughter 林小雨, born two days before
the test runs. Synthetic people; ID numbers with valid GB 11643 check digits.

The certificates are minted over the issuer admin API (``POST
/issuers/{uscc}/certificates``) of whichever server holds them: an ``httpx.Client``
pointed at a real server or a ``TestClient`` over an app (:class:`Http`). Counting
what a bundle minted reads the issuer tables directly.
Not a test module.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine, select

from issuers.clock import CHINA_STANDARD_TIME
from issuers.store.tables import certificate_holders, certificates

FATHER = "31011219910412031X"  # 林小龙
MOTHER = "320582199308200429"  # 周敏
PASSWORD = "family-password-1"  # the test accounts' password
SH_POLICE = "113100000000000017"  # 上海市公安局
SH_CIVIL = "11310000000000006N"  # 上海市民政局
SH_HOSPITAL = "12310000000000004D"  # 上海市示范妇婴医院
JS_HOSPITAL = "123205820000000145"  # 张家港市示范医院 (Jiangsu)
ADDRESS = "上海市闵行区示范路8弄2号301室"
TYPED = {"bank_card": "6217000010000000011", "phone": "13800138000"}
OUTPUT_TYPES = ("household_register", "vaccination", "medical_insurance", "social_security_card")


class _Response(Protocol):
    @property
    def status_code(self) -> int: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...


class Http(Protocol):
    """What the helpers call: an ``httpx.Client`` with a base URL, or a ``TestClient``."""

    def post(self, url: str, *, json: Any = None, headers: Any = None) -> _Response: ...


def _id_card(name: str, sex: int, born: str, id_number: str) -> dict[str, Any]:
    return {
        "name": name, "sex": sex, "ethnicity": "01", "birth_date": born, "address": ADDRESS,
        "id_number": id_number, "issuing_authority": "上海市公安局闵行分局",
    }  # fmt: skip


def shanghai_certificates() -> list[tuple[str, str, dict[str, Any]]]:
    """(issuer, type, fields): both resident ID cards, the 闵行 household register
    (林小龙 户主, 周敏 配偶) and the marriage certificate."""
    register = {
        "household_number": "310112008", "household_type": "家庭户", "address": ADDRESS,
        "region_code": "310112", "registration_authority": "上海市公安局闵行分局示范路派出所",
        "members": [
            {"name": "林小龙", "sex": 1, "birth_date": "1991-04-12", "id_number": FATHER,
             "relation": "户主"},
            {"name": "周敏", "sex": 2, "birth_date": "1993-08-20", "id_number": MOTHER,
             "relation": "配偶"},
        ],
    }  # fmt: skip
    marriage = {
        "certificate_number": "J310112-2019-000456", "registration_date": "2019-05-20",
        "registration_authority": "上海市闵行区民政局",
        "party_a": {"name": "林小龙", "sex": 1, "id_number": FATHER, "birth_date": "1991-04-12"},
        "party_b": {"name": "周敏", "sex": 2, "id_number": MOTHER, "birth_date": "1993-08-20"},
    }  # fmt: skip
    return [
        (SH_POLICE, "resident_id", _id_card("林小龙", 1, "1991-04-12", FATHER)),
        (SH_POLICE, "resident_id", _id_card("周敏", 2, "1993-08-20", MOTHER)),
        (SH_POLICE, "household_register", register),
        (SH_CIVIL, "marriage", marriage),
    ]


def birth_certificate(now: datetime, *, in_jiangsu: bool) -> dict[str, Any]:
    """林小雨's 出生医学证明, born two days before ``now``, at the 张家港 hospital (in
    Jiangsu) or at the Shanghai one; the mother is its holder."""
    born = (now - timedelta(days=2)).astimezone(CHINA_STANDARD_TIME).replace(microsecond=0)
    place, region = ("张家港市示范医院", "320582")
    if not in_jiangsu:
        place, region = ("上海市示范妇婴医院", "310112")
    return {
        "certificate_number": "Q320582017" if in_jiangsu else "Q310112017",
        "child_name": "林小雨", "child_sex": 2, "birth_datetime": born.isoformat(),
        "birth_region_code": region, "birth_place": place, "gestational_weeks": 39,
        "birth_weight_g": 3300, "birth_length_cm": 50, "mother_name": "周敏",
        "mother_id_number": MOTHER, "father_name": "林小龙", "father_id_number": FATHER,
        "institution_name": place,
    }  # fmt: skip


def mint(
    http: Http, admin_token: str, issuer: str, type_slug: str, fields: dict[str, Any]
) -> dict[str, Any]:
    response = http.post(
        f"/issuers/{issuer}/certificates",
        json={"type": type_slug, "fields": fields},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    assert response.status_code == 201, response.text
    minted: dict[str, Any] = response.json()
    return minted


def login(http: Http, id_number: str, password: str = PASSWORD) -> dict[str, str]:
    response = http.post("/wallet/login", json={"id_number": id_number, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def approve(http: Http, who: dict[str, str], request_id: str) -> None:
    """The citizen approves the application's consent request (用证授权) in the wallet."""
    response = http.post(f"/wallet/consent/requests/{request_id}/approve", json={}, headers=who)
    assert response.status_code == 200, response.text


def minted_outputs(engine: Engine) -> dict[str, Any]:
    """What the bundle left in the issuer tables: rows per mint key, certificates per
    type, (type, holder) -> count of certificates, and the father's household register
    versions with their status."""
    with engine.connect() as conn:
        keys = Counter(
            str(k)
            for k in conn.execute(
                select(certificates.c.mint_key).where(certificates.c.mint_key.is_not(None))
            ).scalars()
        )
        rows = conn.execute(
            select(
                certificates.c.id, certificates.c.type_slug, certificate_holders.c.holder_code,
                certificates.c.version, certificates.c.status,
            )
            .join(certificate_holders, certificate_holders.c.certificate_id == certificates.c.id)
            .where(certificates.c.type_slug.in_(OUTPUT_TYPES))
        ).all()  # fmt: skip
    per_type = Counter(type_slug for _, type_slug in {(r.id, str(r.type_slug)) for r in rows})
    per_holder = Counter((str(r.type_slug), str(r.holder_code)) for r in rows)
    register = sorted(
        (int(r.version), str(r.status))
        for r in rows
        if r.type_slug == "household_register" and r.holder_code == FATHER
    )
    return {"keys": keys, "per_type": per_type, "per_holder": per_holder, "register": register}
