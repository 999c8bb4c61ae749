"""Issue 13's acceptance walk, as a new user would try it, all in 国密 SM2.

``elicense serve --demo`` runs as a national-crypto deployment would configure it
(``ELICENSE_HOLDER_KEY_ALG``, ``ELICENSE_PLATFORM_KEY_ALG`` and ``ELICENSE_ANCHOR_ALG``
all ``SM2``). From the shell:
rotate a demo issuer to SM2, mint, verify online (``POST /verify``, ``elicense
verify``) and offline (``elicense sync``, then ``elicense verify --offline``); the
citizen shows a live code signed by their custodial SM2 key, then by an SM2 key of
their own phone (``elicense device register --alg SM2``, ``elicense present --key``);
each verifies online, offline, and on the inspector page, which names 国密 SM2 for
the issuer and the holder. Every SM2 signature along the way is also checked by gmssl
and gmalg (code we did not write) over bytes cbor2 and the ``base45`` package decode.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from issuers.crypto.keys import SigningKey
from tests.e2e.demo_server import README_MINT, cli, demo_env, post_verify, running_demo_server
from tests.helpers import PUBLIC_SECURITY, ZHANG_WEI, form_token
from tests.sm2_independent import cose_sign1_verifies, jwk_point, unwrap
from wallet.server.demo import DEMO_PASSWORD

pytestmark = pytest.mark.slow

SM2_DEPLOYMENT = {
    "ELICENSE_HOLDER_KEY_ALG": "SM2",
    "ELICENSE_PLATFORM_KEY_ALG": "SM2",
    "ELICENSE_ANCHOR_ALG": "SM2",  # the province's trust list is signed with SM2 too
}
VERDICT = re.compile(r'<section class="verdict tone-(\w+)" id="verdict" data-state="(\w+)"')


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def on_inspector_page(base: str, payload: str) -> str:
    """The inspector page's verdict for ``payload``, posted as its form is (token and
    cookie from the page first); the rendered HTML."""
    with httpx.Client(base_url=base, timeout=10) as browser:
        token = form_token(browser.get("/inspector"))
        page = browser.post("/inspector", data={"payload": payload, "form_token": token})
    assert page.status_code == 200, page.text
    return page.text


def issuer_point(base: str, kid: str) -> bytes:
    """The issuer key the server publishes under ``kid`` (JWT VC Issuer Metadata)."""
    metadata = httpx.get(f"{base}/.well-known/jwt-vc-issuer/issuers/{PUBLIC_SECURITY}", timeout=10)
    assert metadata.status_code == 200, metadata.text
    jwk: dict[str, Any] = next(k for k in metadata.json()["jwks"]["keys"] if k["kid"] == kid)
    return jwk_point(jwk)


def test_rotate_mint_verify_and_show_a_live_sm2_code_at_the_inspector(
    tmp_path: Path, database_url: str
) -> None:
    env = {**demo_env(database_url), **SM2_DEPLOYMENT, "ELICENSE_PASSWORD": DEMO_PASSWORD}
    cache, anchors = tmp_path / "inspector-cache", tmp_path / "anchors.json"
    offline = ["--offline", "--cache", str(cache), "--anchor", str(anchors)]
    citizen = ["--id-number", ZHANG_WEI]
    with running_demo_server(tmp_path, env) as base:
        rotated = json.loads(
            _ok(cli(tmp_path, env, "keys", "rotate", PUBLIC_SECURITY, "--alg", "SM2", "--demo"))
        )
        assert rotated["alg"] == "SM2"
        minted = json.loads(_ok(cli(tmp_path, env, *README_MINT)))
        assert minted["kid"] == rotated["kid"]
        assert cose_sign1_verifies(unwrap(minted["qr"]), issuer_point(base, rotated["kid"]))

        verdict = post_verify(base, minted["qr"])
        assert verdict["valid"] is True, verdict
        assert (verdict["kind"], verdict["credential"]["alg"]) == ("static", "SM2")
        online = _ok(cli(tmp_path, env, "verify", minted["qr"], "--demo"))
        assert online.startswith(f"VALID 居民身份证 {minted['identifier']}"), online
        assert "[国密 SM2]" in online

        # The citizen's live code, signed by the custodial SM2 key (the deployment's).
        custodial = _ok(cli(tmp_path, env, "present", minted["identifier"], "--server", base,
                            *citizen)).strip()  # fmt: skip
        assert custodial.startswith("ELP1:")
        assert len(custodial) <= 970
        first = post_verify(base, custodial)
        assert (first["valid"], first["holder_alg"]) == (True, "SM2"), first
        # The phone's own SM2 key, then a live code it signs.
        registered = _ok(cli(tmp_path, env, "device", "register", "--key", "phone.pem",
                             "--alg", "SM2", "--server", base, *citizen)).split()  # fmt: skip
        assert (registered[0], registered[2]) == ("device", "SM2")
        device = _ok(cli(tmp_path, env, "present", minted["identifier"], "--key", "phone.pem",
                         "--lifetime", "300", "--server", base, *citizen)).strip()  # fmt: skip
        phone = SigningKey.from_pem((tmp_path / "phone.pem").read_bytes()).public.to_jwk()
        assert cose_sign1_verifies(unwrap(device), jwk_point(phone))  # gmssl and gmalg
        platform = httpx.get(f"{base}/platform/jwks", timeout=10)  # the platform is SM2 too
        assert platform.json()["keys"][0]["crv"] == "SM2"

        response = httpx.get(f"{base}/trust/anchors", timeout=10)
        assert response.status_code == 200, response.text
        shanghai = next(a["jwk"] for a in response.json() if a["region_code"] == "310000")
        assert shanghai["crv"] == "SM2"
        anchors.write_text(response.text, "utf-8")  # stands in for out-of-band distribution
        _ok(cli(tmp_path, env, "sync", "--server", base, "--cache", str(cache),
                "--anchor", str(anchors)))  # fmt: skip

        shown = post_verify(base, device)
        assert shown["valid"] is True, shown
        assert (shown["kind"], shown["holder_alg"], shown["credential"]["alg"]) == (
            "dynamic",
            "SM2",
            "SM2",
        )
        page = on_inspector_page(base, device)
        found = VERDICT.search(page)
        assert found is not None, page
        assert found.groups() == ("green", "valid"), page
        assert 'data-issuer-alg="SM2" data-holder-alg="SM2"' in page
        assert page.count('<strong class="alg">国密 SM2</strong>') == 2
        assert 'data-kind="dynamic"' in page

        custodial_verdict = post_verify(base, custodial)  # its key was retired for the phone's
        assert (custodial_verdict["valid"], custodial_verdict["code"]) == (False, "revoked")
        live_online = _ok(cli(tmp_path, env, "verify", device, "--demo"))
        assert "[国密 SM2, holder 国密 SM2]" in live_online, live_online

    live_offline = _ok(cli(tmp_path, env, "verify", device, *offline))
    assert live_offline.startswith(f"VALID 居民身份证 {minted['identifier']}"), live_offline
    assert "[国密 SM2, holder 国密 SM2]" in live_offline
    assert "NOT checked" not in live_offline
    static_offline = _ok(cli(tmp_path, env, "verify", minted["qr"], *offline))
    assert "[国密 SM2]" in static_offline
