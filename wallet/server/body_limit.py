"""A pure-ASGI request body cap: oversized bodies get a typed 413 before any parsing.

The body is read up front, at most ``max_bytes`` of it, whether or not the client sent
a ``Content-Length`` (chunked uploads have none), then replayed to the app. So the app
never sees a partial body, and an oversized one is refused as soon as it crosses the cap.

The cap is per path: ``overrides`` maps an exact request path (without the ASGI
``root_path``) to its own limit, e.g. the image upload ``POST /verify/image`` gets
megabytes while every other route keeps the app-wide ``max_bytes``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    def __init__(
        self, app: ASGIApp, max_bytes: int, overrides: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = dict(overrides or {})

    def limit_for(self, scope: Scope) -> int:
        """The cap for this request: its path's override, else ``max_bytes``."""
        path: str = scope["path"]
        root: str = scope.get("root_path", "").rstrip("/")
        if root and path.startswith(root + "/"):  # ASGI paths may include the root_path
            path = path[len(root) :]
        return self.overrides.get(path, self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._reject(send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._reject(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "error": {
                    "code": "payload_too_large",
                    "message": f"request body exceeds {limit} bytes",
                }
            }
        ).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
