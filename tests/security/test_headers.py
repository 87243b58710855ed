"""Issue 14.9: the security headers are on every response: pages, redirects, static files,
404s, the early 413 (made before routing) and the 500 page (made by Starlette's outermost error
middleware)."""

from __future__ import annotations

import httpx
from fastapi import APIRouter
from fastapi.testclient import TestClient

from portal.app import create_app
from portal.limits import FORM_BODY_LIMIT_BYTES
from portal.middleware import SECURITY_HEADERS
from portal.state import Portal
from tests.portal.support import World
from tests.security.support import PortalMaker


def assert_headers(response: httpx.Response) -> None:
    missing = [name for name in SECURITY_HEADERS if name not in response.headers]
    assert not missing, (response.request.url, response.status_code, missing)


def test_every_kind_of_response_has_the_headers(portal: Portal, world: World) -> None:
    app = create_app(portal)
    broken = APIRouter()

    @broken.get("/__broken")
    def fail() -> None:
        raise RuntimeError("a bug in a route")

    app.include_router(broken)
    with TestClient(
        app, base_url="http://testserver", follow_redirects=False, raise_server_exceptions=False
    ) as client:
        for response in (
            client.get("/login"),
            client.get("/"),  # redirect
            client.get("/static/portal.css"),
            client.get("/no/such/page"),
            client.get("/healthz"),
            client.post("/login", content=b"x" * (FORM_BODY_LIMIT_BYTES + 10)),
        ):
            assert_headers(response)
        error = client.get("/__broken")
        assert error.status_code == 500
        assert_headers(error)
        # The portal's own page, without the exception's text.
        assert "<html" in error.text and "a bug in a route" not in error.text


def test_share_pages_are_never_cached_and_https_deployments_get_hsts(
    make_portal: PortalMaker,
) -> None:
    secure = make_portal(secure_cookies=True)
    with TestClient(create_app(secure), base_url="https://testserver") as client:
        response = client.get("/s/" + "x" * 43)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
