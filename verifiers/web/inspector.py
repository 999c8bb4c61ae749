"""The inspector's page: ``GET /inspector`` and ``POST /inspector``.

Paste the QR text, upload a photo or screenshot, or (where the browser has the
Shape Detection API's ``BarcodeDetector``) scan with the camera: the page's script
fills the text box and submits the form. The server renders the verdict with the
same :func:`~verifiers.verdict.verdict_for` as ``POST /verify``, and reads images with
the same :func:`~verifiers.qr_scan.read_qr_image` as ``POST /verify/image``, so its
byte and pixel limits (decompression bombs) apply here too.

The page is public and session-less. Its form carries a double-submit token
(:class:`~verifiers.web.pages.FormToken`) and is refused from another origin,
so a third-party site cannot make an inspector's browser submit QR codes (which, in
single-use mode, would burn a live presentation). It is rate-limited as the API is:
an image counts in ``verify_image``, QR text in ``verify`` (per client address); over
the limit the page says so, with status 429 and ``Retry-After``.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Final

import jinja2
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from issuers.api.provided import service_of
from issuers.api.rate_limits import RateLimiter, client_address
from issuers.errors import ElicenseError, InvalidInput, PayloadTooLarge, RateLimited
from verifiers.api import MULTIPART_OVERHEAD_BYTES, verifier_context
from verifiers.inspector.view import VerdictView, verdict_view
from verifiers.qr_scan import MAX_IMAGE_BYTES, read_qr_image
from verifiers.verdict import VerifierContext, verdict_for
from verifiers.web.pages import STATIC_DIR, FormToken, page_environment, render, same_origin

__all__ = ["BODY_SIZE_OVERRIDES", "INSPECTOR_PATH", "router"]

INSPECTOR_PATH: Final = "/inspector"
STATIC_PATH: Final = "/static/inspector"
# The form may carry a photo: the same cap as POST /verify/image.
BODY_SIZE_OVERRIDES: Final = {INSPECTOR_PATH: MAX_IMAGE_BYTES + MULTIPART_OVERHEAD_BYTES}
MAX_PAYLOAD_CHARS: Final = 65536  # as POST /verify
FORM_TOKEN: Final = FormToken("elicense_inspector_form", INSPECTOR_PATH)

router = APIRouter(include_in_schema=False)
Context = Annotated[VerifierContext, Depends(verifier_context)]


def install(app: FastAPI) -> None:
    """Add the page's routes and serve its static files (CSS and JS, also used by the web
    wallet) under ``/static/inspector``; nothing comes from a CDN."""
    app.include_router(router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="inspector-static")


@cache
def _pages() -> jinja2.Environment:
    return page_environment()


def _page(
    request: Request,
    *,
    status_code: int = 200,
    payload: str = "",
    verdict: VerdictView | None = None,
    problem: tuple[str, str] | None = None,
) -> HTMLResponse:
    token = FORM_TOKEN.current(request)
    context = {"form_token": token, "payload": payload, "verdict": verdict, "problem": problem}
    response = render(
        _pages(), request, "inspector.html", context, status_code=status_code, camera=True
    )
    FORM_TOKEN.set(request, response, token)
    return response


@router.get("/favicon.ico", response_class=FileResponse)
def favicon() -> FileResponse:
    """The pages' icon where a browser looks when a document names none (a JSON or SVG
    opened from a page): without it, a 404 and a console error on each."""
    return FileResponse(
        STATIC_DIR / "favicon.svg",
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


@router.get(INSPECTOR_PATH, response_class=HTMLResponse)
def inspector_page(request: Request) -> HTMLResponse:
    return _page(request)


@router.post(INSPECTOR_PATH, response_class=HTMLResponse)
async def inspect(request: Request, context: Context) -> HTMLResponse:
    try:
        form = await request.form(max_files=1, max_fields=4)
    except StarletteHTTPException:  # a multipart body that does not parse
        return _page(request, status_code=400, problem=_PROBLEMS["unreadable_form"])
    try:
        if not same_origin(request) or not FORM_TOKEN.matches(request, form.get("form_token")):
            return _page(request, status_code=403, problem=_PROBLEMS["form_expired"])
        image = form.get("image")
        data = await image.read(MAX_IMAGE_BYTES + 1) if isinstance(image, UploadFile) else b""
        pasted = form.get("payload")
    finally:
        await form.close()
    text = pasted.strip() if isinstance(pasted, str) else ""
    try:  # the API's limits: an image is verify_image's, QR text verify's
        limiter = service_of(request, RateLimiter)
        await limiter.hit_async("verify_image" if data else "verify", client_address(request))
    except RateLimited as exc:
        response = _page(request, status_code=429, problem=_PROBLEMS["rate_limited"])
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    try:
        if data:
            text = await run_in_threadpool(read_qr_image, data)
        elif not text:
            raise InvalidInput("nothing to verify", field="payload")
        elif len(text) > MAX_PAYLOAD_CHARS:
            raise PayloadTooLarge(f"at most {MAX_PAYLOAD_CHARS} characters", field="payload")
    except ElicenseError as exc:
        return _page(request, status_code=exc.status, problem=_problem(exc, bool(data)))
    verdict = await run_in_threadpool(verdict_for, text, context)
    context.metrics.verdict("inspector", verdict.code)
    return _page(request, payload=text, verdict=verdict_view(verdict))


def _problem(exc: ElicenseError, from_image: bool) -> tuple[str, str]:
    if exc.code in ("no_qr_found", "busy"):
        return _PROBLEMS[exc.code]
    if isinstance(exc, PayloadTooLarge):
        return _PROBLEMS["image_too_large" if from_image else "payload_too_large"]
    if from_image:
        return _PROBLEMS["unreadable_image"]
    return _PROBLEMS["empty"]


_PROBLEMS: Final[dict[str, tuple[str, str]]] = {
    "empty": ("请粘贴二维码内容，或上传图片。", "Paste the QR text or upload an image."),
    "form_expired": ("表单已过期，请重新提交。", "The form expired; please submit it again."),
    "unreadable_form": ("无法读取提交的表单。", "The submitted form could not be read."),
    "no_qr_found": ("图片中未找到二维码。", "No QR code was found in the image."),
    "unreadable_image": (
        "无法读取图片（仅支持 PNG 或 JPEG）。",
        "Unreadable image (PNG or JPEG only).",
    ),
    "image_too_large": ("图片过大。", "The image is too large."),
    "busy": ("识别服务繁忙，请稍后再试。", "The image reader is busy; try again in a moment."),
    "payload_too_large": ("二维码内容过长。", "The QR text is too long."),
    "rate_limited": ("请求过于频繁，请稍后再试。", "Too many requests; try again in a moment."),
}
