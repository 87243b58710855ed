"""ASGI middleware that must see every byte and every response: the request-body bound and the
security headers. Both are plain ASGI (not `@app.middleware("http")`), so a chunked body is
counted as it streams and a response made outside the routes (an early 413, a 500) still gets
its headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), geolocation=(), microphone=()",
}


class SecurityHeaders:
    """Adds the security headers to every HTTP response, whoever made it; share-link pages
    (bearer URLs) are never cached."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = str(scope.get("path", "")).startswith("/s/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
                if no_store:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _BodyTooLarge(Exception):
    pass


# The response for a refused body: (request, limit in bytes) -> response.
TooLargeResponder = Callable[[Request, int], Response]


@dataclass(frozen=True)
class BodyLimits:
    """The largest body each request may send; `limit_for(method, path)` decides per route."""

    limit_for: Callable[[str, str], int]
    too_large: TooLargeResponder


class BodyLimit:
    """Refuses a request body larger than its route's limit, without reading past it.

    A declared Content-Length over the limit is refused before a byte is read. A body without
    one (chunked) is counted as it streams; at the first byte over the limit the route stops
    reading (its `receive` raises), whatever the route made of that is discarded, and the 413
    goes out instead. So neither memory nor the multipart spool ever holds more than the limit.
    """

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.limit_for(scope["method"], scope["path"])
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the app's answer to a body it could not finish reading
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = self.limits.too_large(Request(scope, receive), limit)
        # The client may still be sending; close the connection rather than read the rest.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
