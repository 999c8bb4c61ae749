"""Driving the inspector's page (``/inspector``) over HTTP, as a browser's form would.

The form is protected by a double-submit token (the page's ``form_token``), so
:func:`inspect` fetches the page first unless a token is given. :func:`verdict_of`
reads the verdict's tone and state from the rendered HTML. Used by the inspector page
tests and the wallet's hardening tests.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response

from tests.helpers import form_token

VERDICT = re.compile(r'<section class="verdict tone-(\w+)" id="verdict" data-state="(\w+)"')


def inspect(
    client: TestClient,
    payload: str = "",
    image: bytes | None = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """POST the inspector's form with ``payload`` and/or an uploaded ``image``; the form
    token is fetched from the page unless one is given (a wrong one, say)."""
    if token is None:
        token = form_token(client.get("/inspector"))
    files = {"image": ("qr.png", image, "image/png")} if image is not None else None
    return client.post(
        "/inspector",
        data={"payload": payload, "form_token": token},
        files=files,
        headers=headers,
    )


def verdict_of(page: Response) -> tuple[str, str]:
    """(tone, state) of the verdict on the page."""
    found = VERDICT.search(page.text)
    assert found is not None, page.text
    return found.group(1), found.group(2)
