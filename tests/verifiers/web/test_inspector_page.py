"""The inspector's page over HTTP: paste or upload, the verdict in colour, ID numbers
masked unless the certificate type is about the ID number itself."""

from __future__ import annotations

import io
import os
import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from issuers.formats.qr_image import render_png
from issuers.status_codes import CertificateStatus
from tests.app_fixtures import FixedClock
from tests.helpers import (
    CHEN_QIANG,
    LI_NA,
    PASSWORDS,
    ZHANG_WEI,
    assert_no_inline_script,
    assert_secure_page,
    form_token,
    mint,
)
from tests.verifiers.web.inspector_form import inspect, verdict_of
from verifiers.qr_scan import MAX_IMAGE_BYTES
from wallet.accounts.service import AccountService
from wallet.server.app import services_of


def test_the_page_offers_paste_upload_and_a_camera_behind_a_strict_csp(
    client: TestClient,
) -> None:
    page = client.get("/inspector")
    assert page.status_code == 200
    assert_secure_page(page.headers)
    assert_no_inline_script(page.text)
    assert page.headers["permissions-policy"] == "camera=(self)"
    assert '<html lang="zh">' in page.text
    assert 'name="payload"' in page.text
    assert 'type="file"' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert 'id="scan-button" hidden' in page.text  # shown by the script where BarcodeDetector is
    assert '<script src="/static/inspector/inspector.js" defer></script>' in page.text
    assert 'id="verdict"' not in page.text


def test_a_valid_resident_id_shows_green_and_the_full_id_number(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    card = mint(client, admin_headers, "resident_id")
    page = inspect(client, card["qr"])
    assert page.status_code == 200
    assert_secure_page(page.headers)
    assert verdict_of(page) == ("green", "valid")
    assert 'data-kind="static"' in page.text
    for text in (
        "有效",
        "VALID",
        "居民身份证",
        "Resident Identity Card",
        "静态二维码（纸质/截图）",
        "上海市公安局",  # issuer
        "310000 上海市",  # region
        "张伟",
        ZHANG_WEI,  # the ID card is about the number: shown in full
        card["identifier"],
    ):
        assert text in page.text, text


def test_a_driver_certificate_masks_the_id_number_everywhere(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    driver = mint(client, admin_headers, "ride_hailing_driver")
    page = inspect(client, driver["qr"])
    assert verdict_of(page) == ("green", "valid")
    assert CHEN_QIANG not in page.text  # also its certificate number, which repeats it
    assert page.text.count("3301**********5178") >= 3  # holder, id_number, certificate_number
    assert "网络预约出租汽车驾驶员证" in page.text
    assert "陈强" in page.text
    # exp is midnight CST after the last day: the page prints the last day itself.
    assert f"{driver['valid_from']} 至 {driver['valid_until']}" in page.text


def test_a_marriage_certificate_masks_both_spouses(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    marriage = mint(client, admin_headers, "marriage")
    page = inspect(client, marriage["qr"])
    assert verdict_of(page) == ("green", "valid")
    for number in (ZHANG_WEI, LI_NA):
        assert number not in page.text
        assert number[:4] + "*" * 10 + number[-4:] in page.text
    assert "甲方" in page.text
    assert "Party B" in page.text


def test_a_tampered_code_is_red_with_the_reason(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    qr = mint(client, admin_headers, "resident_id")["qr"]
    middle = len(qr) // 2
    tampered = qr[:middle] + ("A" if qr[middle] != "A" else "B") + qr[middle + 1 :]
    page = inspect(client, tampered)
    assert page.status_code == 200
    tone, state = verdict_of(page)
    assert (tone, state) == ("red", "invalid")
    code = re.search(r'data-code="(\w+)"', page.text)
    assert code is not None
    assert f"<code>{code.group(1)}</code>" in page.text
    assert "无效" in page.text
    assert ZHANG_WEI not in page.text


def test_a_suspended_certificate_is_amber(
    app: FastAPI, client: TestClient, admin_headers: dict[str, str]
) -> None:
    driver = mint(client, admin_headers, "ride_hailing_driver")
    services_of(app).issuance.change_status(
        driver["identifier"], CertificateStatus.SUSPENDED, reason="调查中", actor="test"
    )
    page = inspect(client, driver["qr"])
    assert verdict_of(page) == ("amber", "suspended")
    assert "暂扣" in page.text
    assert "SUSPENDED" in page.text


def test_a_live_presentation_is_dynamic_then_stale(
    client: TestClient,
    accounts: AccountService,
    admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:
    driver = mint(client, admin_headers, "ride_hailing_driver")
    login = client.post(
        "/wallet/login", json={"id_number": CHEN_QIANG, "password": PASSWORDS[CHEN_QIANG]}
    )
    bearer = {"Authorization": f"Bearer {login.json()['token']}"}
    shown = client.post(
        f"/wallet/certificates/{driver['identifier']}/presentation", json={}, headers=bearer
    )
    assert shown.status_code == 200, shown.text
    payload = shown.json()["payload"]

    live = inspect(client, payload)
    assert verdict_of(live) == ("green", "valid")
    assert 'data-kind="dynamic"' in live.text
    assert "动态亮证" in live.text
    assert "亮证时限" in live.text
    assert CHEN_QIANG not in live.text

    clock.now += timedelta(seconds=60 + 30 + 1)  # past the window and the skew
    later = inspect(client, payload)
    assert verdict_of(later) == ("amber", "stale")
    assert "presentation_stale" in later.text
    assert "STALE" in later.text


def test_an_uploaded_screenshot_is_read_and_verified(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    driver = mint(client, admin_headers, "ride_hailing_driver")
    page = inspect(client, image=render_png(driver["qr"], scale=4))
    assert page.status_code == 200
    assert verdict_of(page) == ("green", "valid")
    # The text read from the image is put back in the box, to verify again later.
    assert driver["qr"] in page.text


def _noise_png(side: int) -> bytes:
    out = io.BytesIO()
    Image.frombytes("L", (side, side), os.urandom(side * side)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("image", "status", "message"),
    [
        (_noise_png(300), 422, "图片中未找到二维码"),  # > 64 KiB: the page takes photos
        (b"not an image at all", 422, "无法读取图片"),
        (b"\x89PNG" + b"\0" * MAX_IMAGE_BYTES, 413, "图片过大"),
    ],
    ids=["no-qr", "not-an-image", "too-large"],
)
def test_unusable_images_get_a_clear_message(
    client: TestClient, image: bytes, status: int, message: str
) -> None:
    page = inspect(client, image=image)
    assert page.status_code == status
    assert message in page.text
    assert 'id="verdict"' not in page.text


def test_nothing_to_verify_is_a_message(client: TestClient) -> None:
    page = inspect(client, "   ")
    assert page.status_code == 422
    assert "请粘贴二维码内容" in page.text


def test_pasted_text_is_escaped_when_shown_again(client: TestClient) -> None:
    page = inspect(client, "</textarea><script>alert(1)</script>")
    assert page.status_code == 200
    assert verdict_of(page)[0] == "red"
    assert "<script>alert" not in page.text
    assert "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_the_form_is_refused_without_its_token_or_from_another_site(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    qr = mint(client, admin_headers, "resident_id")["qr"]
    no_token = client.post("/inspector", data={"payload": qr})
    assert no_token.status_code == 403
    assert "表单已过期" in no_token.text
    assert 'id="verdict"' not in no_token.text
    token = form_token(client.get("/inspector"))
    cross_site = inspect(client, qr, token=token, headers={"Origin": "https://elsewhere.example"})
    assert cross_site.status_code == 403
    same_site = inspect(client, qr, token=token, headers={"Origin": "http://testserver"})
    assert verdict_of(same_site) == ("green", "valid")
    # Our pages send no referrer, so browsers say Origin: null on their own form posts.
    no_referrer = inspect(client, qr, token=token, headers={"Origin": "null"})
    assert verdict_of(no_referrer) == ("green", "valid")
