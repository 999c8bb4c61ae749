"""跨省通办, 林小龙's case end to end (issue 11): a child born in Jiangsu joins a Shanghai
household through Shanghai's newborn bundle.

Real ``elicense serve --demo`` platforms on loopback ports (:mod:`tests.e2e.platforms`),
each with its own data, keys and anchors:

* Jiangsu: 张家港市示范医院 (USCC 123205820000000145) mints 林小雨's 出生医学证明, held
  by her mother 周敏, who shows it as her QR credential;
* Shanghai: trusts Jiangsu's anchor (``ELICENSE_TRUST_ANCHORS`` with Jiangsu's 320000
  anchor, then ``elicense sync`` into its ``ELICENSE_TRUST_CACHE_DIR``), holds the
  family's resident IDs, the 闵行 household register and the marriage certificate
  (minted over its admin API), and runs the bundle workflows in-process (the demo's
  default);
* a third platform whose anchors Shanghai was never given (a province it does not
  trust): a birth certificate from there is refused.

The family files ONE application on the Shanghai server, presenting the Jiangsu birth
certificate as a cross-region credential; both parents approve ONE consent request in
their wallets (it does not ask for the presented certificate); they submit the
prefilled form with the two typed fields. Shanghai verifies the Jiangsu certificate
through the synced trust list, and its own issuers mint the outputs (the register v2
with the child, 预防接种证, 医保参保凭证, 社会保障卡), which verify at Shanghai's
``POST /verify``; the old register reads 失效.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from issuers.clock import utc_now
from tests.e2e.demo_server import ELICENSE
from tests.e2e.newborn_family import (
    FATHER,
    JS_HOSPITAL,
    MOTHER,
    TYPED,
    approve,
    birth_certificate,
    login,
    mint,
    shanghai_certificates,
)
from tests.e2e.platforms import (
    HTTP_TIMEOUT_S,
    STARTUP_TIMEOUT_S,
    Server,
    start,
    stop,
    wait_ready,
)
from wallet.server.demo import DEMO_PASSWORD

pytestmark = pytest.mark.slow

BUNDLE_TIMEOUT_S = 90
SYNC_TIMEOUT_S = 60
SHANGHAI_ISSUERS = {
    "household_register": "113100000000000017",  # 上海市公安局
    "vaccination": "12310112000000011N",  # 上海市闵行区疾病预防控制中心
    "medical_insurance": "11310000000000008W",  # 上海市医疗保障局
    "social_security_card": "113100000000000090",  # 上海市人力资源和社会保障局
}
APPLY = "/wallet/bundles/newborn/applications"
FINAL = {"completed", "rejected", "failed", "refused", "cancelled"}


@dataclass
class Provinces:
    shanghai: Server
    jiangsu: Server
    elsewhere: Server
    sh: httpx.Client  # on the Shanghai server
    anchor: Path  # Jiangsu's 320000 anchor, the one Shanghai trusts
    cache: Path  # Shanghai's trust cache

    def sync(self) -> None:
        """``elicense sync``, as Shanghai's operator runs it (periodically): Jiangsu's
        trust and status lists, checked against Jiangsu's anchor, into the cache
        Shanghai's server reads."""
        argv = [str(ELICENSE), "sync", "--cache", str(self.cache), "--json",
                "--server", self.jiangsu.base, "--anchor", str(self.anchor)]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=SYNC_TIMEOUT_S, env=env, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert json.loads(done.stdout)["failed"] == 0, done.stdout


@pytest.fixture(scope="module")
def provinces(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provinces]:
    assert ELICENSE.is_file(), f"console script not installed at {ELICENSE}"
    root = tmp_path_factory.mktemp("provinces")
    started: list[Server] = []
    try:
        jiangsu = start("jiangsu", root / "jiangsu")
        started.append(jiangsu)
        elsewhere = start("elsewhere", root / "elsewhere")
        started.append(elsewhere)
        wait_ready(jiangsu, time.monotonic() + STARTUP_TIMEOUT_S)
        anchor = jiangsu.anchor_file("320000", root / "js-anchor.json")
        cache = root / "shanghai-trust-cache"
        shanghai = start(
            "shanghai", root / "shanghai",
            ELICENSE_TRUST_CACHE_DIR=str(cache), ELICENSE_TRUST_ANCHORS=str(anchor),
        )  # fmt: skip
        started.append(shanghai)
        for server in started:
            wait_ready(server, time.monotonic() + STARTUP_TIMEOUT_S)
        with httpx.Client(base_url=shanghai.base, timeout=HTTP_TIMEOUT_S) as sh:
            yield Provinces(shanghai, jiangsu, elsewhere, sh, anchor, cache)
    finally:
        for server in started:
            stop(server)


def verify(http: httpx.Client, qr: str) -> dict[str, Any]:
    response = http.post("/verify", json={"qr": qr})
    assert response.status_code == 200, response.text
    verdict: dict[str, Any] = response.json()
    return verdict


def until(what: str, probe: Callable[[], Any], done: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + BUNDLE_TIMEOUT_S
    while True:
        seen = probe()
        if done(seen):
            return seen
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: still {seen} after {BUNDLE_TIMEOUT_S} s")
        time.sleep(0.2)


def application(http: httpx.Client, who: dict[str, str], application_id: str) -> dict[str, Any]:
    response = http.get(f"/wallet/bundles/applications/{application_id}", headers=who)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def apply_and_approve(
    p: Provinces, father: dict[str, str], mother: dict[str, str], qr: str
) -> dict[str, Any]:
    """File with the presented birth certificate, both parents approve the one request;
    the application once the workflow is past verification."""
    shown = {"role": "mother", "type": "birth_medical", "credential": qr}
    body = {"holders": {"mother": MOTHER}, "presented": [shown]}
    response = p.sh.post(APPLY, json=body, headers=father)
    assert response.status_code == 201, response.text
    app_id = response.json()["id"]
    asked = until("consent asked", lambda: application(p.sh, father, app_id),
                  lambda a: a["consent_request_id"] is not None)  # fmt: skip
    for who in (father, mother):
        pending = p.sh.get("/wallet/consent/requests", headers=who).json()
        assert [r["id"] for r in pending] == [asked["consent_request_id"]], pending
        assert "birth_medical" not in json.dumps(pending), "the presented one is not asked"
        approve(p.sh, who, asked["consent_request_id"])
    return until(  # type: ignore[no-any-return]
        "verified", lambda: application(p.sh, father, app_id),
        lambda a: a["state"] not in ("awaiting_consent", "verifying"),
    )  # fmt: skip


def test_a_jiangsu_birth_certificate_runs_shanghais_newborn_bundle(provinces: Provinces) -> None:
    p = provinces
    token = p.shanghai.token
    for issuer, type_slug, fields in shanghai_certificates():
        if type_slug != "household_register":
            mint(p.sh, token, issuer, type_slug, fields)
    with httpx.Client(base_url=p.jiangsu.base, timeout=HTTP_TIMEOUT_S) as js:
        birth = mint(js, p.jiangsu.token, JS_HOSPITAL, "birth_medical",
                     birth_certificate(utc_now(), in_jiangsu=True))  # fmt: skip
    p.sync()  # after the hospital's first mint: its status list exists now
    until("Shanghai recognises Jiangsu", lambda: verify(p.sh, birth["qr"]), lambda v: v["valid"])
    father, mother = login(p.sh, FATHER, DEMO_PASSWORD), login(p.sh, MOTHER, DEMO_PASSWORD)
    [old_register] = [
        mint(p.sh, token, issuer, type_slug, fields)
        for issuer, type_slug, fields in shanghai_certificates()
        if type_slug == "household_register"
    ]

    ready = apply_and_approve(p, father, mother, birth["qr"])
    assert ready["state"] == "awaiting_submit", ready
    assert ready["conflicts"] == []
    [crossed] = [v for v in ready["verified"] if v["cross_region"]]
    assert (crossed["role"], crossed["type"], crossed["issuer_uscc"]) == (
        "mother", "birth_medical", JS_HOSPITAL,
    )  # fmt: skip
    assert ready["form"]["birth_place"]["value"] == "张家港市示范医院"
    assert {w["type"] for w in ready["waived"]} >= {
        "birth_medical", "resident_id", "household_register", "marriage",
    }  # fmt: skip

    response = p.sh.post(f"/wallet/bundles/applications/{ready['id']}/submit",
                         json={"typed": TYPED}, headers=father)  # fmt: skip
    assert response.status_code == 200, response.text
    done = until("completed", lambda: application(p.sh, father, ready["id"]),
                 lambda a: a["state"] in FINAL)  # fmt: skip
    assert done["state"] == "completed", done
    outputs = [o for item in done["items"] for o in item["outputs"]]
    assert sorted(o["type"] for o in outputs) == sorted(SHANGHAI_ISSUERS)
    for output in outputs:
        assert output["issuer"] == SHANGHAI_ISSUERS[output["type"]]
        detail = p.sh.get(f"/wallet/certificates/{output['identifier']}", headers=father)
        assert detail.status_code == 200, detail.text  # in the father's wallet
        verdict = verify(p.sh, detail.json()["qr"])
        assert verdict["valid"], verdict
        assert verdict["credential"]["issuer"]["uscc"] == output["issuer"]
    assert verify(p.sh, old_register["qr"])["valid"] is False  # the old register: 失效
    again = p.sh.get(f"/wallet/certificates/{old_register['identifier']}", headers=father)
    assert again.json()["status"] == "05"
    for who in (father, mother):  # nothing left to do, nothing done twice
        assert p.sh.get("/wallet/consent/requests", headers=who).json() == []
    assert len(p.sh.get("/wallet/bundles/applications", headers=father).json()) == 1


def test_a_birth_certificate_from_an_untrusted_province_is_refused(provinces: Provinces) -> None:
    """张伟 and 李娜 (the demo's seeded Shanghai family) present a birth certificate
    from a platform whose anchor Shanghai does not hold: verification refuses it."""
    p = provinces
    father_id, mother_id = "31010419900315123X", "320102199207082466"
    fields = birth_certificate(utc_now(), in_jiangsu=True) | {
        "father_name": "张伟", "father_id_number": father_id,
        "mother_name": "李娜", "mother_id_number": mother_id, "child_name": "张小雨",
    }  # fmt: skip
    with httpx.Client(base_url=p.elsewhere.base, timeout=HTTP_TIMEOUT_S) as there:
        birth = mint(there, p.elsewhere.token, JS_HOSPITAL, "birth_medical", fields)
    assert verify(p.sh, birth["qr"])["code"] == "unknown_key"
    father, mother = login(p.sh, father_id, DEMO_PASSWORD), login(p.sh, mother_id, DEMO_PASSWORD)
    shown = {"role": "mother", "type": "birth_medical", "credential": birth["qr"]}
    body = {"holders": {"mother": mother_id}, "presented": [shown]}
    response = p.sh.post(APPLY, json=body, headers=father)
    assert response.status_code == 201, response.text
    app_id = response.json()["id"]
    asked = until("consent asked", lambda: application(p.sh, father, app_id),
                  lambda a: a["consent_request_id"] is not None)  # fmt: skip
    for who in (father, mother):
        approve(p.sh, who, asked["consent_request_id"])
    failed = until("refused", lambda: application(p.sh, father, app_id),
                   lambda a: a["state"] in FINAL)  # fmt: skip
    assert failed["state"] == "failed", failed
    assert "出生医学证明：unknown_key" in failed["failure_reason"], failed["failure_reason"]
    assert "核验未通过" in failed["failure_reason"]
    assert all(item["state"] in ("waiting", "stopped") for item in failed["items"])
    assert not [o for item in failed["items"] for o in item["outputs"]]


def test_another_familys_birth_certificate_is_refused(provinces: Provinces) -> None:
    """A trusted Jiangsu birth certificate is a bearer copy: 张伟 presenting 林小雨's as
    his wife 李娜's does not register another family's child (holder_mismatch)."""
    p = provinces
    father_id, mother_id = "31010419900315123X", "320102199207082466"
    with httpx.Client(base_url=p.jiangsu.base, timeout=HTTP_TIMEOUT_S) as js:
        theirs = mint(js, p.jiangsu.token, JS_HOSPITAL, "birth_medical",
                      birth_certificate(utc_now(), in_jiangsu=True))  # fmt: skip
    p.sync()
    until("Shanghai recognises Jiangsu", lambda: verify(p.sh, theirs["qr"]), lambda v: v["valid"])
    father, mother = login(p.sh, father_id, DEMO_PASSWORD), login(p.sh, mother_id, DEMO_PASSWORD)
    shown = {"role": "mother", "type": "birth_medical", "credential": theirs["qr"]}
    body = {"holders": {"mother": mother_id}, "presented": [shown]}
    response = p.sh.post(APPLY, json=body, headers=father)
    assert response.status_code == 201, response.text
    app_id = response.json()["id"]
    asked = until("consent asked", lambda: application(p.sh, father, app_id),
                  lambda a: a["consent_request_id"] is not None)  # fmt: skip
    for who in (father, mother):
        approve(p.sh, who, asked["consent_request_id"])
    failed = until("refused", lambda: application(p.sh, father, app_id),
                   lambda a: a["state"] in FINAL)  # fmt: skip
    assert failed["state"] == "failed", failed
    assert "出生医学证明：holder_mismatch" in failed["failure_reason"], failed["failure_reason"]
    assert not [o for item in failed["items"] for o in item["outputs"]]
