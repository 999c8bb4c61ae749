"""Make ``main-38ddb3b.sqlite``: a registry database written by main at commit 38ddb3b
(the last commit before issue 9 moved the tables and the migrations), holding data in
every table. ``test_upgrade_from_main.py`` opens a copy with today's code.

Run it with 38ddb3b's code, not today's (the imports below are 38ddb3b's layout)::

    git worktree add /tmp/main38 38ddb3b
    PYTHONPATH=/tmp/main38 .venv/bin/python \\
        tests/wallet/server/data/make_main_38ddb3b.py tests/wallet/server/data/main-38ddb3b.sqlite
    git worktree remove /tmp/main38

Everything secret in the result is demo or test material, never used outside tests: the
master key that seals the issuers', anchors' and custodial holder keys is
:data:`TEST_MASTER_KEY` (``bytes(range(32))``, the suite's TEST KEY), the citizens'
password is the published demo password, and the device key registered for 李娜 is
generated here and thrown away. The clock is fixed at :data:`NOW`, so the certificates,
sessions and throttle rows are dated 2026-11-01.

What it does, through 38ddb3b's own app: demo seeding (the sample issuers and their
keys, certificates, status lists and entries, serial counters, citizens with accounts);
a key rotation (a retired issuer key); the trust anchors; API and web sign-ins
(sessions); the wallet's certificate details (holder keys and copies with their own
status entries); a device key for 李娜 and her copies bound to it; a live presentation
verified once with single use on (a replay record); a wrong password (login throttle);
a suspension (a status event).
"""

from __future__ import annotations

import base64
import re
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from issuers.settings import Settings
from wallet.app import create_app  # 38ddb3b's layout: this module is gone today
from wallet.demo import DEMO_PASSWORD
from wallet.device_proof import sign_registration

from issuers.crypto.keys import SigningKey

TEST_MASTER_KEY = bytes(range(32))  # TEST KEY: the suite's, never used outside tests
TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef"  # TEST TOKEN
NOW = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
ZHANG_WEI, LI_NA, CHEN_QIANG, WANG_FANG = (
    "31010419900315123X",
    "320102199207082466",
    "330102197801305178",
    "330106198511233823",
)
ROTATED_ISSUER = "11330000000000003M"  # 浙江省公安厅 gets a second key; the first retires


def api_login(client: TestClient, id_number: str) -> dict[str, str]:
    response = client.post(
        "/wallet/login", json={"id_number": id_number, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def open_every_certificate(client: TestClient, headers: dict[str, str]) -> list[str]:
    """The wallet's list, then each detail: the detail makes the holder's own copy."""
    listed = client.get("/wallet/certificates", headers=headers)
    assert listed.status_code == 200, listed.text
    identifiers = [item["identifier"] for item in listed.json()]
    for identifier in identifiers:
        detail = client.get(f"/wallet/certificates/{identifier}", headers=headers)
        assert detail.status_code == 200, detail.text
    return identifiers


def fill(database: Path) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            demo=True,
            data_dir=Path(data_dir),
            database_url=f"sqlite:///{database}",
            master_key=base64.b64encode(TEST_MASTER_KEY).decode(),
            admin_token=TEST_ADMIN_TOKEN,
            single_use_presentations=True,
        )
        app = create_app(settings, clock=lambda: NOW)  # migrates and seeds the demo
        admin = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}
        with TestClient(app) as client:
            app.state.issuance.rotate_key(ROTATED_ISSUER)
            assert client.get("/trust/anchors").status_code == 200

            zhang = api_login(client, ZHANG_WEI)
            assert open_every_certificate(client, zhang)

            li = api_login(client, LI_NA)
            phone = SigningKey.generate()  # thrown away: only its public key is kept
            token = li["Authorization"].removeprefix("Bearer ")
            body = {
                "public_jwk": phone.public.to_jwk(),
                "proof": sign_registration(phone, token, LI_NA),
            }
            registered = client.put("/wallet/holder-key", json=body, headers=li)
            assert registered.status_code == 200, registered.text
            assert open_every_certificate(client, li)

            chen = api_login(client, CHEN_QIANG)
            shown_for = open_every_certificate(client, chen)[0]
            shown = client.post(f"/wallet/certificates/{shown_for}/presentation", headers=chen)
            assert shown.status_code == 200, shown.text
            verdict = client.post("/verify", json={"qr": shown.json()["payload"]}).json()
            assert verdict["valid"] is True, verdict

            wrong = client.post(
                "/wallet/login", json={"id_number": WANG_FANG, "password": "not-the-password"}
            )
            assert wrong.status_code == 401, wrong.text

            form = client.get("/web/login")
            found = re.search(r'name="form_token" value="([^"]+)"', form.text)
            assert found is not None, form.text
            signed_in = client.post(
                "/web/login",
                data={"id_number": ZHANG_WEI, "password": DEMO_PASSWORD, "form_token": found[1]},
                follow_redirects=False,
            )
            assert signed_in.status_code == 303, signed_in.text

            mine = client.get("/wallet/certificates", headers=zhang).json()
            suspended = next(item for item in mine if item["type"] == "marriage")
            changed = client.post(
                f"/issuers/{suspended['issuer']}/certificates/{suspended['identifier']}/status",
                json={"status": "02", "reason": "upgrade fixture: a suspended certificate"},
                headers=admin,
            )
            assert changed.status_code == 200, changed.text


def main(out: str) -> None:
    database = Path(out).resolve()
    if database.exists():
        sys.exit(f"{database} exists: remove it first")
    fill(database)
    with sqlite3.connect(database) as conn:
        conn.execute("VACUUM")
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        for table in tables:
            count = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            print(f"{table:24} {count}")


if __name__ == "__main__":
    main(sys.argv[1])
