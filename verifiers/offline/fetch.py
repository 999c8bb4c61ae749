"""Fetching for ``sync``: an injectable ``fetch(url, headers) -> body``, and the default.

The default is the standard library (``urllib.request``), so the offline package
needs no HTTP client library: http and https only, a timeout per socket operation,
and a cap on the body so a hostile or broken server cannot fill memory.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

Fetch = Callable[[str, dict[str, str]], bytes]
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_FETCH_BYTES = 8 << 20  # a full status list token is at most ~6.3 MiB


class FetchFailed(Exception):
    """The network or the server did not deliver (HTTP error, timeout, too large)."""


def urllib_fetch(
    url: str,
    headers: dict[str, str],
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_FETCH_BYTES,
) -> bytes:
    """GET ``url`` with the standard library; raise FetchFailed unless a 2xx body of at
    most ``max_bytes`` arrives within ``timeout`` seconds (per socket operation)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise FetchFailed(f"{url}: only http and https are fetched")
    request = urllib.request.Request(url, headers=headers)  # noqa: S310  (scheme checked above)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchFailed(f"{url}: {declared} bytes is over the {max_bytes} cap")
            data: bytes = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise FetchFailed(f"{url}: HTTP {exc.code}") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:  # URLError, timeouts
        raise FetchFailed(f"{url}: {exc.__class__.__name__}: {exc}") from None
    if len(data) > max_bytes:
        raise FetchFailed(f"{url}: the body is over the {max_bytes} byte cap")
    return data
