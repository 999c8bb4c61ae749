"""``POST /verify/image``: an inspector uploads a photo or screenshot of a QR code.

Credentials are minted through the API and drawn with :func:`issuers.formats.qr_image.render_png`;
Pillow turns them into what phones produce (JPEG, RGBA screenshots, 16-bit PNGs, a
photo of a screen: offset, scaled, turned, on a noisy grey background). A readable QR
gets the same 200 verdict as ``POST /verify``; unreadable input gets a typed 4xx:
415 not multipart, 422 ``invalid_input`` / ``no_qr_found``, 413 ``payload_too_large``
for too many bytes or pixels (decompression bombs are built by hand, a few KiB each).
"""

from __future__ import annotations

import asyncio
import io
import random
import struct
import warnings
import zlib
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import cbor2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from starlette.types import Message, Receive, Scope, Send

from issuers.errors import PayloadTooLarge
from issuers.formats import qr_envelope
from issuers.formats.qr_image import render_png
from tests.helpers import assert_error, mint
from verifiers.api import BODY_SIZE_OVERRIDES, MULTIPART_OVERHEAD_BYTES, VERIFY_IMAGE_PATH
from verifiers.qr_scan import (
    MAX_CONCURRENT_DECODES,
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    NoQrFound,
    decode_slot,
    read_qr_image,
)
from wallet.server.body_limit import BodySizeLimit

# --- helpers -------------------------------------------------------------------------


def upload(
    client: TestClient, data: bytes, name: str = "qr.png", content_type: str = "image/png"
) -> Any:
    return client.post(VERIFY_IMAGE_PATH, files={"image": (name, data, content_type)})


def verdict_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    verdict: dict[str, Any] = response.json()
    return verdict


def encode(image: Image.Image, fmt: str = "PNG", **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def grey(qr: str, scale: int = 4) -> Image.Image:
    """The rendered QR as an 8-bit greyscale Pillow image."""
    return Image.open(io.BytesIO(render_png(qr, scale=scale))).convert("L")


def photo_of(qr: str, seed: int = 7) -> bytes:
    """A phone photo of a screen, roughly: the QR scaled by a non-integer factor,
    turned a few degrees, pasted off-centre on a larger noisy grey canvas, a little
    low-contrast, saved as a lossy JPEG."""
    rng = np.random.default_rng(seed)
    code = grey(qr, scale=3)
    side = round(code.width * 1.37)
    code = code.resize((side, side), Image.Resampling.BICUBIC)
    code = code.rotate(4, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    code = code.point(lambda v: 40 + v * 0.7)  # black is 40, white is 218
    canvas = Image.fromarray(rng.normal(128, 22, (900, 1200)).clip(0, 255).astype(np.uint8))
    canvas.paste(code, (437, 161))
    return encode(canvas.convert("RGB"), "JPEG", quality=82)


def png_header_only(width: int, height: int, bit_depth: int = 1) -> bytes:
    """A valid greyscale PNG of the given size whose every pixel is 0: it is tiny on
    disk (zlib turns the all-zero scanlines into a few KiB) and huge in memory."""
    row = bytes(1 + (width * bit_depth + 7) // 8)  # filter byte 0 + zero pixels
    packer = zlib.compressobj(9)
    parts = [packer.compress(row) for _ in range(height)]
    idat = b"".join(parts) + packer.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@cache
def bomb(width: int, height: int) -> bytes:
    return png_header_only(width, height)


@pytest.fixture
def minted(client: TestClient, admin_headers: dict[str, str]) -> Any:
    return mint(client, admin_headers, "marriage")


def assert_valid_for(verdict: dict[str, Any], minted: Any) -> None:
    assert verdict["valid"] is True, verdict
    assert verdict["code"] is None
    assert verdict["credential"]["identifier"] == minted["identifier"]


# --- readable images: the same verdict as POST /verify ---------------------------------


def test_png_screenshot_verifies_like_the_json_route(client: TestClient, minted: Any) -> None:
    verdict = verdict_of(upload(client, render_png(minted["qr"])))
    assert_valid_for(verdict, minted)
    assert verdict == verdict_of(client.post("/verify", json={"qr": minted["qr"]}))


def test_jpeg_verifies(client: TestClient, minted: Any) -> None:
    jpeg = encode(grey(minted["qr"]).convert("RGB"), "JPEG", quality=75)
    assert jpeg[:3] == b"\xff\xd8\xff"
    assert_valid_for(verdict_of(upload(client, jpeg, "qr.jpg", "image/jpeg")), minted)


def test_photo_like_image_verifies(client: TestClient, minted: Any) -> None:
    photo = photo_of(minted["qr"])
    with Image.open(io.BytesIO(photo)) as opened:
        assert opened.size == (1200, 900)  # the QR is a small, turned part of it
    assert_valid_for(verdict_of(upload(client, photo, "IMG_0042.jpg", "image/jpeg")), minted)


def _transparent(qr: str) -> bytes:
    """Dark modules on a transparent background, as design tools export: read as RGB
    without its alpha, the whole image is black."""
    dark = np.asarray(grey(qr)) == 0
    rgba = np.zeros((*dark.shape, 4), dtype=np.uint8)
    rgba[..., 3] = np.where(dark, 255, 0)
    return encode(Image.fromarray(rgba, "RGBA"))


def _sixteen_bit(qr: str) -> bytes:
    """A 16-bit greyscale PNG, dark 5000 and light 56000: clipped to 8 bits it is blank."""
    levels = np.asarray(grey(qr)).astype(np.uint32) * 200 + 5000
    return encode(Image.fromarray(levels.astype(np.uint16)))


VARIANTS: dict[str, Callable[[str], bytes]] = {
    "rgba-transparent": _transparent,
    "16-bit-grey": _sixteen_bit,
    "palette": lambda qr: encode(grey(qr).convert("P")),
    "rgb-png": lambda qr: encode(grey(qr).convert("RGB")),
    "grey-jpeg": lambda qr: encode(grey(qr), "JPEG"),
    "cmyk-jpeg": lambda qr: encode(grey(qr).convert("CMYK"), "JPEG"),
    "progressive-jpeg": lambda qr: encode(grey(qr).convert("RGB"), "JPEG", progressive=True),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_what_phones_and_tools_save_verifies(client: TestClient, minted: Any, variant: str) -> None:
    assert_valid_for(verdict_of(upload(client, VARIANTS[variant](minted["qr"]))), minted)


def test_the_credential_wins_over_another_qr_in_the_picture(
    client: TestClient, minted: Any
) -> None:
    credential, poster = grey(minted["qr"]), grey("HTTPS://EXAMPLE.GOV.CN/NOTICE", scale=6)
    canvas = Image.new("L", (credential.width + poster.width + 40, 400 + credential.height), 255)
    canvas.paste(poster, (0, 0))
    canvas.paste(credential, (poster.width + 40, 400))
    assert_valid_for(verdict_of(upload(client, encode(canvas))), minted)


def test_a_tampered_qr_is_a_200_verdict_with_its_code(client: TestClient, minted: Any) -> None:
    tag = cbor2.loads(qr_envelope.unwrap(minted["qr"]))
    protected, unprotected, payload, signature = tag.value
    forged = bytes([signature[0] ^ 1]) + signature[1:]
    tampered = qr_envelope.wrap(
        cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, payload, forged]))
    )
    verdict = verdict_of(upload(client, render_png(tampered)))
    assert verdict["valid"] is False
    assert verdict["code"] == "signature_invalid"
    assert verdict["credential"] is None
    assert verdict == verdict_of(client.post("/verify", json={"qr": tampered}))


@pytest.mark.parametrize(
    ("text", "code"),
    [("HTTPS://EXAMPLE.COM/", "malformed"), ("EL9:ABCDEF", "unsupported_version")],
)
def test_a_qr_that_is_no_credential_is_a_200_verdict(
    client: TestClient, text: str, code: str
) -> None:
    verdict = verdict_of(upload(client, render_png(text)))
    assert verdict["valid"] is False
    assert verdict["code"] == code
    assert verdict == verdict_of(client.post("/verify", json={"qr": text}))


# --- unreadable images: typed 4xx ----------------------------------------------------------


def test_an_image_without_a_qr_is_no_qr_found(client: TestClient) -> None:
    rng = np.random.default_rng(3)
    noise = Image.fromarray(rng.normal(128, 30, (480, 640)).clip(0, 255).astype(np.uint8))
    assert_error(upload(client, encode(noise)), 422, "no_qr_found", "image")
    blank = encode(Image.new("RGB", (300, 200), (200, 200, 200)), "JPEG")
    assert_error(upload(client, blank, "blank.jpg", "image/jpeg"), 422, "no_qr_found", "image")


def _truncated_png() -> bytes:
    data = render_png("EL1:TRUNCATED")
    return data[: len(data) // 2]


NOT_PNG_OR_JPEG = {
    "garbage": bytes(random.Random(5).randrange(256) for _ in range(2000)),
    "empty": b"",
    "text": b"EL1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE",
    "png-magic-then-junk": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    "jpeg-magic-then-junk": b"\xff\xd8\xff\xe0" + b"\x13" * 64,
    "truncated-png": _truncated_png(),
    "gif": encode(Image.new("L", (64, 64), 255), "GIF"),
    "bmp": encode(Image.new("L", (64, 64), 255), "BMP"),
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>',
}


@pytest.mark.parametrize("kind", sorted(NOT_PNG_OR_JPEG))
def test_what_is_not_a_readable_png_or_jpeg_is_invalid_input(client: TestClient, kind: str) -> None:
    error = assert_error(upload(client, NOT_PNG_OR_JPEG[kind]), 422, "invalid_input", "image")
    assert "PNG or JPEG" in error["message"]


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (7_000, 7_000),  # 49 Mpx: over our 40 Mpx budget, under Pillow's 89 Mpx warning
        (10_000, 10_000),  # 100 Mpx: Pillow only warns (an error under pytest's filters)
        (20_000, 20_000),  # 400 Mpx: Pillow's DecompressionBombError
        (50_000_000, 1),  # one very long row: no square needed
    ],
)
def test_a_decompression_bomb_is_413_before_any_pixel_is_decoded(
    client: TestClient, width: int, height: int
) -> None:
    data = bomb(width, height)
    assert len(data) < 64 * 1024  # it would pass the app-wide body cap; size is no guard
    error = assert_error(upload(client, data), 413, "payload_too_large", "image")
    assert "pixel" in error["message"]


def test_the_pixel_budget_holds_even_when_pillow_only_warns() -> None:
    """Between 89 and 178 Mpx Pillow merely warns (unless a filter says error); the
    explicit budget still refuses the image before ``load()``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.raises(PayloadTooLarge, match="pixels"):
            read_qr_image(bomb(10_000, 10_000))
    at_budget = png_header_only(MAX_IMAGE_PIXELS // 5_000, 5_000)
    with pytest.raises(NoQrFound):
        read_qr_image(at_budget)  # exactly at the budget: decoded (all black), no QR


def test_a_file_over_the_image_byte_cap_is_413(client: TestClient) -> None:
    """Just over 8 MiB: inside the upload's body cap (which allows multipart framing),
    so the scanner refuses it by size, before Pillow sees it."""
    data = b"\x89PNG\r\n\x1a\n" + bytes(MAX_IMAGE_BYTES - 7)
    assert len(data) == MAX_IMAGE_BYTES + 1
    error = assert_error(upload(client, data), 413, "payload_too_large", "image")
    assert str(MAX_IMAGE_BYTES) in error["message"]


def test_a_body_over_the_upload_cap_is_413_from_the_body_limit(client: TestClient) -> None:
    data = bytes(MAX_IMAGE_BYTES + MULTIPART_OVERHEAD_BYTES + 1)
    error = assert_error(upload(client, data), 413, "payload_too_large")
    assert str(BODY_SIZE_OVERRIDES[VERIFY_IMAGE_PATH]) in error["message"]


def test_a_chunked_upload_over_the_cap_is_413(client: TestClient) -> None:
    """No Content-Length: the cap counts the streamed bytes."""
    boundary = "elicense-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
        f'filename="big.png"\r\nContent-Type: image/png\r\n\r\n'
    ).encode()

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(9):
            yield bytes(1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = client.post(
        VERIFY_IMAGE_PATH,
        content=chunks(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert_error(response, 413, "payload_too_large")


def test_the_larger_cap_is_for_the_upload_path_only(client: TestClient, minted: Any) -> None:
    """A 100 KiB photo is fine on /verify/image; /verify keeps the 64 KiB cap."""
    big = encode(Image.open(io.BytesIO(photo_of(minted["qr"]))), "PNG")
    assert len(big) > 100 * 1024
    assert_valid_for(verdict_of(upload(client, big)), minted)
    response = client.post("/verify", json={"qr": "EL1:" + "A" * (100 * 1024)})
    assert_error(response, 413, "payload_too_large")


# --- not an upload at all ------------------------------------------------------------------


def test_json_sent_to_the_image_route_is_415(client: TestClient, minted: Any) -> None:
    error = assert_error(
        client.post(VERIFY_IMAGE_PATH, json={"qr": minted["qr"]}), 415, "unsupported_media_type"
    )
    assert "multipart/form-data" in error["message"]
    assert "/verify" in error["message"]


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "image/png"},
        {"content-type": "application/x-www-form-urlencoded"},
        {"content-type": "text/plain"},
        {},
    ],
)
def test_a_raw_body_is_415(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post(VERIFY_IMAGE_PATH, content=b"image=abc", headers=headers)
    assert_error(response, 415, "unsupported_media_type")


def test_multipart_without_the_image_field_is_invalid_input(client: TestClient) -> None:
    response = client.post(
        VERIFY_IMAGE_PATH, files={"photo": ("qr.png", render_png("EL1:X"), "image/png")}
    )
    assert_error(response, 422, "invalid_input", "image")


def test_image_as_a_text_field_is_invalid_input(client: TestClient) -> None:
    response = client.post(
        VERIFY_IMAGE_PATH, data={"image": "EL1:ABC"}, files={"other": ("x", b"x", "text/plain")}
    )
    assert_error(response, 422, "invalid_input", "image")


def test_a_broken_multipart_body_is_invalid_input(client: TestClient) -> None:
    response = client.post(
        VERIFY_IMAGE_PATH,
        content=b"--nope\r\nthis is not multipart",
        headers={"content-type": "multipart/form-data; boundary=elsewhere"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"


def test_the_operation_is_documented(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][VERIFY_IMAGE_PATH]["post"]
    assert set(operation["requestBody"]["content"]) == {"multipart/form-data"}
    assert {"200", "413", "415", "422"} <= set(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/Verdict"
    )


# --- the body cap's per-path overrides -------------------------------------------------------


async def _echo_size(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


@pytest.mark.parametrize(
    ("path", "root_path", "size", "status"),
    [
        ("/small", "", 10, 200),
        ("/small", "", 11, 413),
        ("/big", "", 100, 200),
        ("/big", "", 101, 413),
        ("/big/", "", 11, 413),  # exact paths: no prefix or trailing-slash match
        ("/api/big", "/api", 100, 200),  # behind a proxy prefix (ASGI root_path)
        ("/apibig", "/api", 11, 413),
    ],
)
def test_body_size_limit_overrides_are_exact_paths(
    path: str, root_path: str, size: int, status: int
) -> None:
    limited = BodySizeLimit(_echo_size, max_bytes=10, overrides={"/big": 100})
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": bytes(size), "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "path": path, "root_path": root_path, "headers": []}
    asyncio.run(limited(scope, receive, send))
    assert sent[0]["status"] == status


def test_when_every_decoding_slot_stays_busy_the_answer_is_503_busy(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    png = render_png(mint(client, admin_headers, "marriage")["qr"])
    held = [decode_slot(wait_s=0) for _ in range(MAX_CONCURRENT_DECODES)]
    for slot in held:
        slot.__enter__()
    try:
        busy = upload(client, png)
        assert busy.status_code == 503, busy.text
        assert busy.json()["error"]["code"] == "busy"
        assert busy.headers["retry-after"] == "1"
    finally:
        for slot in held:
            slot.__exit__(None, None, None)
    assert upload(client, png).json()["valid"] is True  # the slots are back
