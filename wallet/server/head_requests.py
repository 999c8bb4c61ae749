"""HEAD for every GET resource (RFC 9110 §9.3.2: "identical to GET except that the
server MUST NOT send content in the response"; §9.1: a general-purpose server MUST
support GET and HEAD).

FastAPI's ``@app.get`` routes take GET only, so a HEAD for a page was a 405. This ASGI
middleware answers HEAD as the same GET would be answered, headers and all
(``content-length`` included), with the body dropped. A path that has no GET answers
405 as before, listing its methods.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # drop every chunk but the last, which ends the response
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        as_get = {**scope, "method": "GET"}
        try:
            await self.app(as_get, receive, without_body)
        finally:
            # What routing found (route, endpoint, path_params), for the request log.
            scope.update({k: v for k, v in as_get.items() if k != "method"})
