"""Hostile citizens against a real ``elicense serve --demo`` (a subprocess, the bundle
workflows in its process; SQLite, or PostgreSQL with ELICENSE_DATABASE_URL), over
real HTTP with the demo accounts:

* 张伟 names himself as the mother, his 10-year-old son 张浩 as the mother or as the
  newborn, a USCC: 422 naming ``holders.<role>``, nothing filed;
* 陈强 reaches 张伟's application on every route: the very 404 a missing id gets;
* 8 parallel creates: 3 filed, 5 ``409 too_many_applications``;
* oversized and deeply nested bodies 413, a forged admin cookie with a non-ASCII
  digit (raw bytes on the socket) 303 to the login;
* and the server's log holds no traceback.
"""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier
from urllib.parse import urlsplit

import httpx

from wallet.server.demo import DEMO_PASSWORD

ZHANG_WEI, LI_NA = "31010419900315123X", "320102199207082466"
ZHANG_HAO, CHEN_QIANG = "310104201605200318", "330102197801305178"  # a minor; a stranger
NEW = "/wallet/bundles/newborn/applications"
APPS = "/wallet/bundles/applications"
MISSING = "no-such-application-0000000000000"


def _login(http: httpx.Client, who: str) -> dict[str, str]:
    answer = http.post("/wallet/login", json={"id_number": who, "password": DEMO_PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _raw_get(base: str, path: str, cookie: bytes) -> bytes:
    """The status line of a GET sent byte for byte (no client re-encodes the cookie)."""
    parts = urlsplit(base)
    assert parts.hostname is not None
    assert parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nCookie: " + cookie
                     + b"\r\nConnection: close\r\n\r\n")  # fmt: skip
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data.split(b"\r\n", 1)[0]


def test_hostile_citizens_against_a_real_server(
    demo_server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, _ = demo_server
    with httpx.Client(base_url=base, timeout=30) as http:
        zhang, chen = _login(http, ZHANG_WEI), _login(http, CHEN_QIANG)
        for holders, field in (
            ({"mother": ZHANG_WEI}, "holders.mother"),
            ({"mother": ZHANG_HAO}, "holders.mother"),
            ({"mother": LI_NA, "child": ZHANG_HAO}, "holders.child"),
            ({"mother": "113100000000000017"}, "holders.mother"),
        ):
            answer = http.post(NEW, json={"holders": holders}, headers=zhang)
            assert answer.status_code == 422, (holders, answer.text)
            assert answer.json()["error"]["field"] == field
        assert http.get(APPS, headers=zhang).json() == []

        gate = Barrier(8)

        def create(_: int) -> httpx.Response:
            gate.wait(timeout=30)
            return http.post(NEW, json={"holders": {"mother": LI_NA}}, headers=zhang)

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(create, range(8)))
        assert sorted(a.status_code for a in answers) == [201] * 3 + [409] * 5
        assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {
            "too_many_applications"
        }
        app_id = next(a.json()["id"] for a in answers if a.status_code == 201)

        for method, tail, body in (
            ("GET", "", None),
            ("POST", "/resolve", {"field": "address", "value": "x"}),
            ("POST", "/submit", {"typed": {}}),
            ("POST", "/cancel", None),
        ):
            theirs = http.request(method, f"{APPS}/{app_id}{tail}", json=body, headers=chen)
            missing = http.request(method, f"{APPS}/{MISSING}{tail}", json=body, headers=chen)
            assert theirs.status_code == missing.status_code == 404
            assert theirs.content == missing.content

        json_headers = {**zhang, "content-type": "application/json"}
        for text in ('{"holders": ' + "[" * 70_000 + "]" * 70_000 + "}",
                     '{"holders": {"mother": "' + "1" * 100_000 + '"}}'):  # fmt: skip
            answer = http.post(NEW, content=text.encode(), headers=json_headers)
            assert answer.status_code == 413, answer.text
        assert len(http.get(APPS, headers=zhang).json()) == 3

    for path in ("/web/admin/bundles/newborn/report", "/web/admin/bundles"):
        assert b" 303 " in _raw_get(base, path, b"elicense_admin=\xb2.AAAA")
    log = (tmp_path / "server.log").read_text()
    assert "Traceback" not in log
    assert " 500 " not in log
