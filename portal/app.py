"""The FastAPI application: one `Portal` object (settings, database, files, limits) per app."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context as JinjaContext
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from portal.annotation import can_annotate
from portal.db import make_engine, make_session_factory, upgrade_database
from portal.files import FileStore
from portal.security import RateLimiter, birth_date_of, mask_national_id
from portal.settings import PortalSettings
from verifier.queue.embedded import QueueHandle
from verifier.queue.settings import QueueSettings
from verifier.queue.storage import VerdictRecord

PACKAGE_DIR = Path(__file__).parent
log = logging.getLogger(__name__)


@dataclass
class Portal:
    settings: PortalSettings
    engine: Engine
    sessions: sessionmaker[Session]
    files: FileStore
    templates: Jinja2Templates
    share_upload_limiter: RateLimiter
    status_limiter: RateLimiter
    login_limiter: RateLimiter
    queue_settings: QueueSettings | None = None
    queue: QueueHandle | None = None
    verdict_hook: Callable[[VerdictRecord], None] | None = None
    queue_users: int = 0
    stop: threading.Event = field(default_factory=threading.Event)


class _RedactShareTokens(logging.Filter):
    """Share-link tokens are bearer secrets: keep them out of access logs."""

    _pattern = re.compile(r"/s/[A-Za-z0-9_\-]{8,}")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                self._pattern.sub("/s/<token>", a) if isinstance(a, str) else a for a in record.args
            )
        return True


@pass_context
def _translate(ctx: JinjaContext, nb: str, en: str) -> str:
    return nb if ctx.get("lang", "nb") == "nb" else en


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(PACKAGE_DIR / "templates"))
    templates.env.filters["mask_id"] = mask_national_id
    templates.env.filters["birth_date"] = birth_date_of
    templates.env.globals["status_label"] = status_label
    templates.env.globals["t"] = _translate
    templates.env.globals["can_annotate"] = can_annotate
    return templates


STATUS_LABELS: dict[str, tuple[str, str]] = {
    "pending": ("Venter", "Pending"),
    "approved": ("Godkjent", "Approved"),
    "in_production": ("I produksjon", "In production"),
    "shipped": ("Sendt", "Shipped"),
    "rejected": ("Avvist", "Rejected"),
    "cancelled": ("Kansellert", "Cancelled"),
    "valid": ("Gyldig", "Valid"),
    "invalid": ("Ugyldig", "Invalid"),
    "blocked": ("Sperret", "Blocked"),
    "expired": ("Utløpt", "Expired"),
    "queued": ("Kontrolleres", "Being checked"),
    "pass": ("Godkjent", "Accepted"),
    "review": ("Til manuell kontroll", "Sent to manual review"),
    "fail": ("Ikke godkjent", "Not accepted"),
    "error": ("Til manuell kontroll", "Sent to manual review"),
}


def status_label(status: str, lang: str = "nb") -> str:
    nb, en = STATUS_LABELS.get(str(status), (str(status), str(status)))
    return nb if lang == "nb" else en


def build_portal(
    settings: PortalSettings, *, migrate: bool = True, queue_settings: QueueSettings | None = None
) -> Portal:
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade_database(engine)
    return Portal(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        files=FileStore(settings.files_dir),
        templates=_templates(),
        share_upload_limiter=RateLimiter(settings.share_upload_limit),
        status_limiter=RateLimiter(settings.status_lookup_limit),
        login_limiter=RateLimiter(settings.login_limit),
        queue_settings=queue_settings,
    )


def create_app(portal: Portal) -> FastAPI:
    from portal import background, verification
    from portal.routers import auth, employees, orders, review, share, status

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logging.getLogger("uvicorn.access").addFilter(_RedactShareTokens())
        verification.install(portal)
        threads = background.start(portal) if portal.settings.start_background_jobs else []
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

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length", "")
        if (
            request.method == "POST"
            and length.isdigit()
            and int(length) > portal.settings.upload_max_bytes + 65_536
        ):
            # Refused before the body is read or spooled anywhere.
            mb = round(portal.settings.upload_max_bytes / 1_000_000, 1)
            return portal.templates.TemplateResponse(
                request,
                "_upload_error.html",
                {
                    "lang": "nb",
                    "message": (
                        f"Filen er for stor (over {mb} MB).",
                        f"The file is too large (over {mb} MB).",
                    ),
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
    ):
        app.include_router(router)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 401:
            return RedirectResponse("/login", status_code=303)
        from portal.i18n import lang_of

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
