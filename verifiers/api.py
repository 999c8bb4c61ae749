"""HTTP face of the verifier: ``POST /verify`` (QR text) and ``POST /verify/image``.

A request that is well-formed always gets ``200`` and a verdict, valid or not: the
verdict *is* the answer, and ``code`` says why a credential failed. Requests that are
not well-formed (no JSON, no ``qr``, body over the cap) get a typed 4xx.

``POST /verify/image`` takes what an inspector has when there is no scanner: a photo or
screenshot of the QR code, as ``multipart/form-data`` with one file field ``image``
(PNG or JPEG). It is a separate operation rather than a second media type on
``/verify``, so each operation has one request schema that FastAPI validates and
documents, and the JSON contract of ``/verify`` is untouched. Once the QR is read the
answer is the same verdict as ``/verify``; an image that cannot be read is a typed
error instead: 415 for a body that is not multipart, 422 ``invalid_input`` for a
missing field or an unreadable image, 422 ``no_qr_found``, and 413
``payload_too_large`` for too many bytes or pixels, or an image whose decoding would
take more memory than :data:`~verifiers.qr_scan.MAX_DECODE_BYTES` (a decompression
bomb, a 16-bit 40 Mpx PNG, a large progressive JPEG), judged from its header.

Both are rate-limited per client address (:mod:`issuers.api.rate_limits`, groups
``verify`` and ``verify_image``): 429 ``rate_limited`` with ``Retry-After``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile as StarletteUploadFile

from issuers.api.provided import provided
from issuers.api.rate_limits import limit_by_address
from issuers.error_schema import error_responses
from issuers.errors import InvalidInput, UnsupportedMediaType
from verifiers.qr_scan import MAX_DECODE_BYTES, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, read_qr_image
from verifiers.verdict import Verdict, VerifierContext, verdict_for

router = APIRouter(tags=["verify"])
JSON = "application/json"

VERIFY_IMAGE_PATH = "/verify/image"
# Multipart framing around the one file: boundaries, part headers, a long file name.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
# Per-path body caps for wallet.server.body_limit.BodySizeLimit; every other path keeps the
# app-wide settings.max_request_bytes (64 KiB), far too small for a photo.
BODY_SIZE_OVERRIDES: dict[str, int] = {
    VERIFY_IMAGE_PATH: MAX_IMAGE_BYTES + MULTIPART_OVERHEAD_BYTES,
}


verifier_context = provided(VerifierContext)


def require_multipart(request: Request) -> None:
    """415 for anything but ``multipart/form-data`` (e.g. JSON sent here by mistake).

    A dependency runs before the body is validated, so the client hears "wrong media
    type" rather than "field image missing".
    """
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "multipart/form-data":
        raise UnsupportedMediaType(
            "expected multipart/form-data with a file field 'image', got"
            f" {media_type or 'no content type'}; QR text goes to POST /verify as JSON",
            details={"expected": "multipart/form-data", "received": media_type or None},
        )


# The longest qr the schema admits. Longer than any QR code holds (4,296 characters at
# version 40), so an over-long text still gets its payload_too_large *verdict*; short
# enough that every JSON spelling of it (worst: an astral character as a \u escape
# pair, 12 bytes) fits the default 64 KiB body cap, so a client that keeps to the
# schema never meets a 413 instead.
MAX_QR_FIELD_CHARS = 5000


async def require_file_part(request: Request) -> None:
    """422 in our words for a *text* field named ``image`` (a form posted without a file
    input). FastAPI has parsed the form before dependencies run (``request.form()``
    returns that parse); left to validation, the answer would be pydantic's
    ``Expected UploadFile, received: <class 'str'>``."""
    image = (await request.form()).get("image")
    if image is not None and not isinstance(image, StarletteUploadFile):
        raise InvalidInput(
            "image must be a file part (a PNG or JPEG sent with a filename), not a text field",
            field="image",
        )


class VerifyRequest(BaseModel):
    qr: str = Field(
        max_length=MAX_QR_FIELD_CHARS,
        description="The QR text as scanned, e.g. `EL1:...`.",
        examples=["EL1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE"],
    )


@router.post(
    "/verify",
    response_model=Verdict,
    summary="Verify a QR credential",
    responses=error_responses(413, 422, 429),
    dependencies=[Depends(limit_by_address("verify"))],
)
async def verify(
    body: VerifyRequest, context: Annotated[VerifierContext, Depends(verifier_context)]
) -> Response:
    # One hop to the thread pool (a status list or key may be read from the database),
    # where the verdict is also encoded: a plain ``def`` route hops twice (the route,
    # then FastAPI re-validating the returned model against response_model).
    return Response(await run_in_threadpool(_verdict_json, body.qr, context), media_type=JSON)


def _verdict_json(qr: str, context: VerifierContext) -> bytes:
    verdict = verdict_for(qr, context)
    context.metrics.verdict("api", verdict.code)
    return verdict.model_dump_json().encode()


@router.post(
    VERIFY_IMAGE_PATH,
    response_model=Verdict,
    summary="Verify a photo or screenshot of a QR credential",
    description=(
        "Upload a PNG or JPEG photo or screenshot of the QR code as `multipart/form-data`"
        " (file field `image`). The QR is read with zxing-cpp and verified as by"
        " `POST /verify`: a readable QR always gets `200` and a verdict. An image with no"
        " QR is `422 no_qr_found`; a file that is not a readable PNG or JPEG is"
        " `422 invalid_input`; over"
        f" {MAX_IMAGE_BYTES // (1024 * 1024)} MiB or {MAX_IMAGE_PIXELS // 1_000_000}"
        " megapixels, or an image whose decoding would take more than"
        f" {MAX_DECODE_BYTES // (1024 * 1024)} MiB of memory (judged from its header:"
        " 4 bytes a pixel for colour, plus every DCT coefficient of a progressive JPEG),"
        " is `413 payload_too_large`; a body that is not multipart is"
        " `415 unsupported_media_type`. When every image-decoding slot stays busy the"
        " answer is `503 busy` with `Retry-After`. Too many images from one address:"
        " `429 rate_limited` with `Retry-After`."
    ),
    responses=error_responses(413, 415, 422, 429, 503),
    dependencies=[
        Depends(limit_by_address("verify_image")),  # before the body is looked at
        Depends(require_multipart),
        Depends(require_file_part),
    ],
    openapi_extra={  # the part's media type, for clients; the server sniffs the bytes
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "encoding": {"image": {"contentType": "image/png, image/jpeg"}}
                }
            }
        }
    },
)
def verify_image(
    image: Annotated[
        UploadFile,
        File(
            description=(
                f"PNG or JPEG, at most {MAX_IMAGE_BYTES} bytes and {MAX_IMAGE_PIXELS} pixels."
                " The file's own content type is not trusted: the bytes are sniffed."
            )
        ),
    ],
    context: Annotated[VerifierContext, Depends(verifier_context)],
) -> Verdict:
    # A sync route: FastAPI runs it in the thread pool, so decoding never blocks the
    # event loop. One byte past the cap is enough for read_qr_image to refuse it.
    data = image.file.read(MAX_IMAGE_BYTES + 1)
    verdict = verdict_for(read_qr_image(data), context)
    context.metrics.verdict("image", verdict.code)
    return verdict
