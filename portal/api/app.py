"""The JSON API as its own FastAPI app, mounted at /api by portal/app.py: routes under /v1,
the OpenAPI document at /api/openapi.json and its reader at /api/docs, and every error as an
RFC 9457 problem document."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from portal.state import Portal

from .problems import Problem, problem_response
from .routers import cards, employees, events, orders, token

API_DESCRIPTION = """Ordering HMS cards by machine. Authenticate with OAuth2 client credentials
(`POST /api/v1/token`), then send `Authorization: Bearer <token>`. Level 1 (`cards:read`) looks
cards up; level 2 (`employees:write`, `orders:write`, `uploads:write`, `orders:read`) runs the
ordering flow for the client's own company. Errors are RFC 9457 problem documents. See
docs/api.md."""

_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hmsverify API</title>
<link rel="stylesheet" href="/api/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui" data-spec="/api/openapi.json"></div>
<p><a href="/api/openapi.json">OpenAPI document (JSON)</a></p>
<script src="/api/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script></body></html>
"""


def create_api_app(portal: Portal) -> FastAPI:
    api = FastAPI(
        title="hmsverify ordering API",
        version="1",
        description=API_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    api.state.portal = portal
    for router in (token.router, cards.router, employees.router, orders.router, events.router):
        api.include_router(router)

    @api.exception_handler(Problem)
    async def problem(request: Request, exc: Problem) -> Response:
        return problem_response(exc, instance=request.url.path)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(
            Problem(exc.status_code, detail or "", headers=dict(exc.headers or {})),
            instance=request.url.path,
        )

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": list(error.get("loc", ())), "msg": error.get("msg", "")}
            for error in exc.errors()
        ]
        return problem_response(
            Problem(422, "The request is not valid.", kind="invalid-request", errors=errors),
            instance=request.url.path,
        )

    import fastapi_offline

    swagger = Path(fastapi_offline.__file__).parent / "static"
    api.mount("/swagger-ui", StaticFiles(directory=swagger), name="swagger")

    @api.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_DOCS_PAGE)

    @api.get("/v1", include_in_schema=False)
    def root() -> JSONResponse:
        return JSONResponse({"openapi": "/api/openapi.json", "docs": "/api/docs"})

    return api
