"""Seed the bundle benchmark: a fresh database, N synthetic families, N newborn
applications brought to ``awaiting_submit`` by the workers (consent asked, approved by
both parents, every certificate pulled and verified, the form prefilled).

Each family is a father (户主 in 闵行), a mother and a child born two days ago, with
the five certificates the newborn bundle asks for (two ID cards, the household
register, the marriage certificate, the birth certificate), minted through the real
:class:`~issuers.store.issuance.IssuanceService`. ID numbers carry valid GB 11643
check digits (synthetic people). Used by benchmarks/bundle_bench.py; not timed.
"""

from __future__ import annotations

import base64
import os
import time
from datetime import date, datetime, timedelta
from typing import Any

from issuers.clock import CHINA_STANDARD_TIME, utc_now
from issuers.codes.gb11643 import make_resident_id
from wallet.server import demo
from wallet.server.app import prepare_database
from wallet.server.settings import Settings
from wallet.server.wiring import Services, build_services

SH_POLICE = "113100000000000017"  # 上海市公安局
SH_CIVIL = "11310000000000006N"  # 上海市民政局
SH_HOSPITAL = "12310000000000004D"  # 上海市示范妇婴医院
ADMIN_TOKEN = "bundle-bench-admin-token-0123456789"
TYPED = {"bank_card": "6217000010000000011", "phone": "13800138000"}
FINAL = frozenset({"completed", "rejected", "failed", "refused", "cancelled"})


def bench_settings(database_url: str, data_dir: str) -> tuple[Settings, dict[str, str]]:
    """Settings for the seeding process and the same as ``ELICENSE_*`` for workers."""
    env = {
        "ELICENSE_DATABASE_URL": database_url,
        "ELICENSE_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        "ELICENSE_ADMIN_TOKEN": ADMIN_TOKEN,
        "ELICENSE_DATA_DIR": data_dir,
    }
    settings = Settings(
        demo=False, data_dir=data_dir, database_url=database_url,
        master_key=env["ELICENSE_MASTER_KEY"], admin_token=ADMIN_TOKEN,
    )  # fmt: skip
    return settings, env


def prepared(settings: Settings) -> Services:
    services = build_services(settings, utc_now)
    prepare_database(services)
    for info in demo.sample_issuers():
        services.issuance.register_issuer(info)
    demo.seed_clients(services.clients)
    return services


def _card(name: str, sex: int, born: date, number: str, address: str) -> dict[str, Any]:
    return {
        "name": name, "sex": sex, "ethnicity": "01", "birth_date": born.isoformat(),
        "address": address, "id_number": number, "issuing_authority": "上海市公安局闵行分局",
    }  # fmt: skip


def family(services: Services, k: int, now: datetime) -> tuple[str, str]:
    """Family ``k``: its five certificates minted; (father's, mother's ID number)."""
    father_born, mother_born = date(1988, 1, 1) + timedelta(days=k), date(1990, 6, 1)
    father = make_resident_id("310112", father_born, 2 * (k % 499) + 1)
    mother = make_resident_id("320582", mother_born + timedelta(days=k), 2 * (k % 499) + 2)
    address = f"上海市闵行区示范路{k + 1}弄1号101室"
    born = (now - timedelta(days=2)).astimezone(CHINA_STANDARD_TIME).replace(microsecond=0)
    mint = services.issuance.mint
    mint("resident_id", SH_POLICE, _card("林小龙", 1, father_born, father, address))
    mint("resident_id", SH_POLICE, _card("周敏", 2, mother_born + timedelta(days=k), mother,
                                         address))  # fmt: skip
    mint("household_register", SH_POLICE, {
        "household_number": f"310{k:06d}", "household_type": "家庭户", "address": address,
        "region_code": "310112", "registration_authority": "上海市公安局闵行分局示范路派出所",
        "members": [
            {"name": "林小龙", "sex": 1, "birth_date": father_born.isoformat(),
             "id_number": father, "relation": "户主"},
            {"name": "周敏", "sex": 2, "birth_date": (mother_born + timedelta(days=k)).isoformat(),
             "id_number": mother, "relation": "配偶"},
        ],
    })  # fmt: skip
    mint("marriage", SH_CIVIL, {
        "certificate_number": f"J310112-2019-{k:06d}", "registration_date": "2019-05-20",
        "registration_authority": "上海市闵行区民政局",
        "party_a": {"name": "林小龙", "sex": 1, "id_number": father,
                    "birth_date": father_born.isoformat()},
        "party_b": {"name": "周敏", "sex": 2, "id_number": mother,
                    "birth_date": (mother_born + timedelta(days=k)).isoformat()},
    })  # fmt: skip
    mint("birth_medical", SH_HOSPITAL, {
        "certificate_number": f"Q{k:09d}", "child_name": "林小雨", "child_sex": 2,
        "birth_datetime": born.isoformat(), "birth_region_code": "310112",
        "birth_place": "上海市示范妇婴医院", "gestational_weeks": 39, "birth_weight_g": 3300,
        "birth_length_cm": 50, "mother_name": "周敏", "mother_id_number": mother,
        "father_name": "林小龙", "father_id_number": father,
        "institution_name": "上海市示范妇婴医院",
    })  # fmt: skip
    return father, mother


def _wait(services: Services, ids: list[str], done: Any, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(ids)
    while pending:
        pending = [i for i in pending if not done(services.bundles.view_any(i).application)]
        if not pending:
            return
        if time.monotonic() > deadline:
            state = services.bundles.view_any(pending[0]).application
            raise SystemExit(f"{len(pending)} applications not {what} in {timeout} s: {state}")
        time.sleep(0.2)


def seed_applications(
    services: Services, families: list[tuple[str, str]], timeout: float
) -> list[str]:
    """File one newborn application per family, approve each consent request as both
    parents, and wait until every application awaits its submit (the workers run)."""
    ids = [services.bundles.create(f, "newborn", {"mother": m}).application.id for f, m in families]
    _wait(services, ids, lambda a: a.consent_request_id is not None, "asking consent", timeout)
    for application_id, parents in zip(ids, families, strict=True):
        request_id = services.bundles.view_any(application_id).application.consent_request_id
        assert request_id is not None
        for parent in parents:
            services.consent.wallet.approve(parent, request_id)
    _wait(services, ids, lambda a: a.state != "awaiting_consent" and a.state != "verifying",
          "verified", timeout)  # fmt: skip
    for application_id in ids:
        application = services.bundles.view_any(application_id).application
        if application.state != "awaiting_submit" or application.conflicts:
            raise SystemExit(f"seeding failed: {application}")
    return ids


def drain(
    services: Services, ids: list[str], families: list[tuple[str, str]], timeout: float
) -> tuple[datetime, datetime]:
    """Submit every application (dispatch), wait for the last to complete; the clock's
    start and the last completion (the workers' own ``finished_at``)."""
    started = utc_now()
    for application_id, (father, _) in zip(ids, families, strict=True):
        services.bundles.submit(father, application_id, TYPED)
    _wait(services, ids, lambda a: a.state in FINAL, "finished", timeout)
    finished = []
    for application_id in ids:
        application = services.bundles.view_any(application_id).application
        if application.state != "completed" or application.finished_at is None:
            raise SystemExit(f"an application did not complete: {application}")
        finished.append(application.finished_at)
    return started, max(finished)
