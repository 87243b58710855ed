"""The composition root: builds the FastAPI app around a `Portal` (portal/state.py).

Nothing in the portal imports this module; only entry points do (`portal/cli.py`, the tests,
the benchmarks). Imports run one way: app → routers → deps → services → state → models, db,
settings (tests/portal/test_import_direction.py enforces it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from portal import background, verification, webhooks
from portal.api.app import create_api_app
from portal.i18n import lang_hint, lang_of
from portal.limits import declared_too_large, too_large_message, upload_body_limit
from portal.routers import (
    api_clients,
    assets,
    auth,
    delegation,
    employees,
    oidc,
    orders,
    outbox,
    review,
    share,
    status,
)
from portal.state import PACKAGE_DIR, Portal

log = logging.getLogger(__name__)


class _RedactShareTokens(logging.Filter):
    """Share-link tokens are bearer secrets: keep them out of access logs."""

    _pattern = re.compile(r"/s/[A-Za-z0-9_\-]{8,}")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                self._pattern.sub("/s/<token>", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def create_app(portal: Portal) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logging.getLogger("uvicorn.access").addFilter(_RedactShareTokens())
        verification.install(portal)
        threads = background.start(portal) if portal.settings.start_background_jobs else []
        threads.append(webhooks.install(portal))
        try:
            yield
        finally:
            portal.stop.set()
            for thread in threads:
                thread.join(timeout=5)
            verification.uninstall(portal)

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = portal
    app.add_middleware(
        SessionMiddleware,
        secret_key=portal.settings.secret_key,
        session_cookie="hmsverify_session",
        max_age=8 * 3600,
        same_site="lax",
        https_only=portal.settings.secure_cookies,
    )
    body_limit = upload_body_limit(portal.settings)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.method == "POST" and declared_too_large(
            request.headers.get("content-length"), body_limit
        ):
            # Refused before the body is read or spooled anywhere.
            return portal.templates.TemplateResponse(
                request,
                "_upload_error.html",
                {
                    "lang": lang_hint(request),
                    "message": too_large_message(portal.settings.upload_max_bytes),
                },
                status_code=413,
            )
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'",
        )
        if request.url.path.startswith("/s/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    app.mount("/static", StaticFiles(directory=str(PACKAGE_DIR / "static")), name="static")
    for router in (
        auth.router,
        employees.router,
        orders.router,
        share.router,
        review.router,
        status.router,
        api_clients.router,
        delegation.router,
        oidc.router,
        outbox.router,
        assets.router,
    ):
        app.include_router(router)
    # The JSON API: its own app (OpenAPI at /api/docs, problem-details errors).
    app.mount("/api", create_api_app(portal))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 401:
            return RedirectResponse("/login", status_code=303)
        return portal.templates.TemplateResponse(
            request,
            "error.html",
            {"status_code": exc.status_code, "detail": exc.detail, "lang": lang_of(request)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.get("/healthz", response_class=HTMLResponse)
    def healthz() -> str:
        return "ok"

    return app
