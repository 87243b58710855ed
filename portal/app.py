"""The composition root: builds the FastAPI app around a `Portal` (portal/state.py).

Nothing in the portal imports this module; only entry points do (`portal/cli.py`, the tests,
the benchmarks). Imports run one way: app → routers → deps → services → state → models, db,
settings (tests/portal/test_import_direction.py enforces it).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from portal import access_log, allocator, background, verification, webhooks
from portal.api.app import create_api_app
from portal.api.problems import Problem, problem_response
from portal.i18n import lang_hint, lang_of
from portal.limits import (
    REQUEST_TOO_LARGE,
    body_limit_for,
    is_upload_route,
    too_large_message,
)
from portal.middleware import BodyLimit, BodyLimits, SecurityHeaders
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
from portal.web_sessions import ServerSessions

# A login lasts a working day at most; logout or a password change ends it sooner.
SESSION_MAX_AGE_S = 8 * 3600

log = logging.getLogger(__name__)


class PortalApp(FastAPI):
    """FastAPI with the security headers outside everything, Starlette's error middleware
    included, so its 500 page carries them too."""

    hsts: bool = False

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack(), hsts=self.hsts)


def create_app(portal: Portal) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        access_log.install()
        allocator.cap_arenas()  # before the queue's and the server's worker threads start
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

    app = PortalApp(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.hsts = portal.settings.secure_cookies
    app.state.portal = portal
    app.add_middleware(
        ServerSessions,
        sessions=portal.sessions,
        clock=portal.clock,
        max_age_s=SESSION_MAX_AGE_S,
        secure=portal.settings.secure_cookies,
    )
    if portal.settings.trusted_proxies:
        # Only these peers may say who the client is; everyone else's X-Forwarded-For is
        # ignored, so rate limits and the log see the real TCP peer.
        app.add_middleware(
            ProxyHeadersMiddleware, trusted_hosts=list(portal.settings.trusted_proxies)
        )

    def too_large(request: Request, limit: int) -> Response:
        upload = is_upload_route(request.method, request.url.path)
        if request.url.path.startswith("/api/"):
            detail = too_large_message(portal.settings.upload_max_bytes)[1] if upload else None
            problem = Problem(413, detail or REQUEST_TOO_LARGE[1], kind="too-large")
            return problem_response(problem, instance=request.url.path)
        if upload:
            message = too_large_message(portal.settings.upload_max_bytes)
            return portal.templates.TemplateResponse(
                request, "_upload_error.html", {"lang": lang_hint(request), "message": message}, 413
            )
        values = {"status_code": 413, "detail": REQUEST_TOO_LARGE, "lang": lang_hint(request)}
        return portal.templates.TemplateResponse(request, "error.html", values, 413)

    # Outermost of the user middleware: no session, no routing before the size is known.
    app.add_middleware(
        BodyLimit,
        limits=BodyLimits(
            limit_for=lambda method, path: body_limit_for(portal.settings, method, path),
            too_large=too_large,
        ),
    )

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

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        """The 500 page: the portal's own, with no exception text in it (the log has that)."""
        values = {"status_code": 500, "detail": None, "lang": "nb"}
        return portal.templates.TemplateResponse(request, "error.html", values, 500)

    @app.get("/healthz", response_class=HTMLResponse)
    def healthz() -> str:
        return "ok"

    return app
