"""Who may call what: every API route × the scope it needs × the other company's objects, and
tokens that are missing, wrong, expired or of a revoked client. Real HTTP, real database."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from portal.card_codes import qr_content, status_url
from portal.models import ApiClient, ApiToken, Card, Order, Upload
from tests.api.support import ALL_SCOPES, ApiCredentials, Served
from tests.portal.support import seed_card


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # with {order}, {upload}, {card}, {employee} placeholders
    scope: str
    # Whether the path names one of the company's objects (another company's answers 404).
    owned: bool
    json: dict[str, object] | None = None
    multipart: bool = False


ROUTES = [
    Route("GET", "/api/v1/cards/{card}", "cards:read", owned=False),
    Route("POST", "/api/v1/cards/qr", "cards:read", owned=False, json={"content": "{qr}"}),
    Route(
        "POST",
        "/api/v1/employees",
        "employees:write",
        owned=False,
        json={"national_id": "1", "given_names": "A", "surname": "B"},
    ),
    Route("GET", "/api/v1/employees/{employee}", "orders:read", owned=True),
    Route("POST", "/api/v1/orders", "orders:write", owned=True, json={"employee_id": "{employee}"}),
    Route("GET", "/api/v1/orders", "orders:read", owned=False),
    Route("GET", "/api/v1/orders/{order}", "orders:read", owned=True),
    Route("POST", "/api/v1/orders/{order}/cancel", "orders:write", owned=True),
    Route("POST", "/api/v1/orders/{order}/photo", "uploads:write", owned=True, multipart=True),
    Route(
        "POST", "/api/v1/orders/{order}/id-document", "uploads:write", owned=True, multipart=True
    ),
    Route("GET", "/api/v1/uploads/{upload}", "orders:read", owned=True),
    Route("POST", "/api/v1/cards/{card}/block", "orders:write", owned=True),
    Route("GET", "/api/v1/events", "orders:read", owned=False),
]


@dataclass
class Objects:
    card: str
    qr: str
    employee: int
    order: int
    upload: str


@pytest.fixture(scope="module")
def company_a_objects(served: Served) -> Objects:
    """A card (approved order with uploads) and a pending order in company A."""
    card_id = seed_card(served.portal, served.world, served.world.employees_a[0])
    with served.portal.sessions() as session:
        card = session.get(Card, card_id)
        assert card is not None
        upload = session.scalars(select(Upload).where(Upload.order_id == card.order_id)).first()
        assert upload is not None
        number, card_order = card.card_number, card.order_id
    creds = served.new_client(["orders:write"])
    response = served.http.post(
        "/api/v1/orders",
        json={"employee_id": served.world.employees_a[1]},
        headers=served.bearer(creds),
    )
    assert response.status_code == 201, response.text
    assert card_order != response.json()["id"]
    return Objects(
        card=number,
        qr=qr_content(
            served.portal.settings.base_url, number, served.portal.settings.card_code_key
        ),
        employee=served.world.employees_a[1],
        order=response.json()["id"],
        upload=upload.id,
    )


def _call(served: Served, route: Route, objects: Objects, headers: dict[str, str]) -> object:
    values = {
        "card": objects.card,
        "qr": objects.qr,
        "employee": str(objects.employee),
        "order": str(objects.order),
        "upload": objects.upload,
    }
    path = route.path.format(**values)
    kwargs: dict[str, object] = {"headers": headers}
    if route.json is not None:
        kwargs["json"] = {
            k: (int(v.format(**values)) if k == "employee_id" else v.format(**values))
            if isinstance(v, str)
            else v
            for k, v in route.json.items()
        }
    if route.multipart:
        kwargs["files"] = {"file": ("x.jpg", b"not an image", "image/jpeg")}
    return served.http.request(route.method, path, **kwargs)  # type: ignore[arg-type]


def _problem(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status and body["title"] and body["type"]
    return body


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_without_a_token_every_route_answers_401(
    served: Served, company_a_objects: Objects, route: Route
) -> None:
    response = _call(served, route, company_a_objects, {})
    _problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")  # type: ignore[attr-defined]
    garbage = _call(served, route, company_a_objects, {"Authorization": "Bearer not-a-token"})
    assert _problem(garbage, 401)["type"] == "urn:hmsverify:api:problem:invalid_token"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_route_needs_its_own_scope(
    served: Served, company_a_objects: Objects, route: Route
) -> None:
    others = [s for s in ALL_SCOPES if s != route.scope]
    creds = served.new_client(others)
    response = _call(served, route, company_a_objects, served.bearer(creds))
    body = _problem(response, 403)
    assert body["type"] == "urn:hmsverify:api:problem:insufficient_scope"
    assert f'scope="{route.scope}"' in response.headers["www-authenticate"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.owned], ids=lambda r: f"{r.method} {r.path}"
)
def test_another_companys_objects_answer_404(
    served: Served, company_a_objects: Objects, route: Route
) -> None:
    creds = served.new_client(ALL_SCOPES, which="b")
    response = _call(served, route, company_a_objects, served.bearer(creds))
    assert _problem(response, 404)["type"] == "urn:hmsverify:api:problem:not-found"
    with served.portal.sessions() as session:
        # Nothing changed in company A's order or card.
        order = session.get(Order, company_a_objects.order)
        card = session.scalars(select(Card).where(Card.card_number == company_a_objects.card)).one()
        assert order is not None and order.status == "pending" and order.photo_upload_id is None
        assert card.status == "valid"


def test_lists_show_only_the_clients_company(served: Served, company_a_objects: Objects) -> None:
    b = served.bearer(served.new_client(["orders:read"], which="b"))
    assert served.http.get("/api/v1/orders", headers=b).json() == {"orders": []}
    assert all(
        e["data"]["order_id"] != company_a_objects.order
        for e in served.http.get("/api/v1/events", headers=b).json()["events"]
    )
    a = served.bearer(served.new_client(["orders:read"]))
    ids = [o["id"] for o in served.http.get("/api/v1/orders", headers=a).json()["orders"]]
    assert company_a_objects.order in ids


def test_level_1_by_number_shows_no_personal_data_and_by_qr_the_name(
    served: Served, company_a_objects: Objects
) -> None:
    """Level 1 works for any card (a site checks other companies' workers)."""
    headers = served.bearer(served.new_client(["cards:read"], which="b"))
    by_number = served.http.get(f"/api/v1/cards/{company_a_objects.card}", headers=headers)
    assert by_number.status_code == 200
    body = by_number.json()
    assert body["status"] == "valid" and body["valid"] is True
    assert body["company"]["name"] == "Alfa Bygg AS"
    assert "holder" not in body and "Person0" not in by_number.text
    assert dt.datetime.fromisoformat(body["expires_at"]) > dt.datetime.now(dt.UTC)
    by_qr = served.http.post(
        "/api/v1/cards/qr", json={"content": company_a_objects.qr}, headers=headers
    )
    assert by_qr.status_code == 200
    assert by_qr.json()["holder"] == {"given_names": "Person0", "surname": "Testesen"}
    assert by_qr.json()["card_number"] == company_a_objects.card
    for bad in (
        company_a_objects.card,
        status_url(served.portal.settings.base_url, company_a_objects.card),
        "https://evil.example/x?card=1",
        "hello",
    ):
        refused = served.http.post("/api/v1/cards/qr", json={"content": bad}, headers=headers)
        _problem(refused, 422)
    _problem(served.http.get("/api/v1/cards/0000000000", headers=headers), 404)
    _problem(served.http.get("/api/v1/cards/12", headers=headers), 422)


def test_token_endpoint(served: Served) -> None:
    creds = served.new_client(["cards:read", "orders:read"])
    # client_secret_basic and client_secret_post both work; the scope defaults to all granted.
    basic = served.http.post(
        "/api/v1/token",
        data={"grant_type": "client_credentials"},
        auth=(creds.client_id, creds.secret),
    )
    assert basic.status_code == 200, basic.text
    assert basic.json()["token_type"] == "Bearer"
    assert basic.json()["scope"] == "cards:read orders:read"
    assert basic.json()["expires_in"] == served.portal.settings.api_token_ttl_s
    assert basic.headers["cache-control"] == "no-store"
    posted = served.http.post(
        "/api/v1/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds.client_id,
            "client_secret": creds.secret,
            "scope": "cards:read",
        },
    )
    assert posted.json()["scope"] == "cards:read"
    with served.portal.sessions() as session:
        stored = session.scalars(select(ApiToken).where(ApiToken.api_client_id == creds.pk)).all()
        token = posted.json()["access_token"]
        assert hashlib.sha256(token.encode()).hexdigest() in {t.token_hash for t in stored}
        assert token not in {t.token_hash for t in stored}
        client = session.get(ApiClient, creds.pk)
        assert client is not None and client.secret_hash != creds.secret
    # The narrowed token cannot read orders.
    narrowed = {"Authorization": f"Bearer {posted.json()['access_token']}"}
    _problem(served.http.get("/api/v1/orders", headers=narrowed), 403)

    def token_problem(**data: str) -> dict[str, object]:
        response = served.http.post(
            "/api/v1/token", data={"grant_type": "client_credentials", **data}
        )
        assert response.headers["content-type"] == "application/problem+json"
        return dict(response.json(), status_code=response.status_code)

    wrong = token_problem(client_id=creds.client_id, client_secret="wrong")
    assert (wrong["status_code"], wrong["error"]) == (401, "invalid_client")
    asks_more = token_problem(
        client_id=creds.client_id, client_secret=creds.secret, scope="orders:write"
    )
    assert (asks_more["status_code"], asks_more["error"]) == (400, "invalid_scope")
    other_grant = served.http.post(
        "/api/v1/token",
        data={"grant_type": "password", "username": "x", "password": "y"},
        auth=(creds.client_id, creds.secret),
    )
    assert other_grant.status_code == 400
    assert other_grant.json()["error"] == "unsupported_grant_type"
    as_json = served.http.post(
        "/api/v1/token",
        json={"grant_type": "client_credentials"},
        auth=(creds.client_id, creds.secret),
    )
    assert as_json.status_code == 415


def test_expired_tokens_and_revoked_clients_stop_working(served: Served) -> None:
    creds = served.new_client(["orders:read"])
    headers = served.bearer(creds)
    assert served.http.get("/api/v1/orders", headers=headers).status_code == 200
    real_clock: Callable[[], dt.datetime] = served.portal.clock
    ttl = served.portal.settings.api_token_ttl_s
    served.portal.clock = lambda: real_clock() + dt.timedelta(seconds=ttl + 1)
    try:
        _problem(served.http.get("/api/v1/orders", headers=headers), 401)
    finally:
        served.portal.clock = real_clock
    assert served.http.get("/api/v1/orders", headers=headers).status_code == 200
    with served.portal.sessions() as session:
        client = session.get(ApiClient, creds.pk)
        assert client is not None
        client.revoked_at = dt.datetime.now(dt.UTC)
        session.commit()
    _problem(served.http.get("/api/v1/orders", headers=headers), 401)
    refused = served.http.post(
        "/api/v1/token",
        data={"grant_type": "client_credentials"},
        auth=(creds.client_id, creds.secret),
    )
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"


def test_openapi_document_and_docs_page(served: Served) -> None:
    spec = served.http.get("/api/openapi.json").json()
    assert "/v1/orders" in spec["paths"] and "/v1/token" in spec["paths"]
    docs = served.http.get("/api/docs")
    assert docs.status_code == 200 and "/api/openapi.json" in docs.text
    for asset in ("/api/swagger-ui/swagger-ui-bundle.js", "/static/api-docs.js"):
        assert served.http.get(asset).status_code == 200, asset


def test_unused_credentials_type(served: Served) -> None:
    """A helper type check: credentials carry no webhook key unless one was registered."""
    creds: ApiCredentials = served.new_client(["cards:read"])
    assert creds.webhook_secret is None


def test_the_sweep_deletes_expired_tokens(served: Served) -> None:
    from portal.background import run_sweep

    creds = served.new_client(["orders:read"])
    served.token(creds)
    served.token(creds)
    real_clock = served.portal.clock
    ttl = served.portal.settings.api_token_ttl_s
    with served.portal.sessions() as session:
        count = session.scalars(select(ApiToken).where(ApiToken.api_client_id == creds.pk)).all()
        assert len(count) == 2
    run_sweep(served.portal)  # nothing expired yet
    with served.portal.sessions() as session:
        assert (
            len(session.scalars(select(ApiToken).where(ApiToken.api_client_id == creds.pk)).all())
            == 2
        )
    served.portal.clock = lambda: real_clock() + dt.timedelta(seconds=ttl + 1)
    try:
        run_sweep(served.portal)
    finally:
        served.portal.clock = real_clock
    with served.portal.sessions() as session:
        assert (
            session.scalars(select(ApiToken).where(ApiToken.api_client_id == creds.pk)).all() == []
        )


@pytest.mark.browser
def test_the_docs_page_renders_every_operation_in_a_browser(served: Served) -> None:
    """Swagger UI from the installed package, under the portal's CSP, reads the OpenAPI 3.1
    document: every operation is listed."""
    from playwright.sync_api import sync_playwright

    spec = served.http.get("/api/openapi.json").json()
    operations = sum(len(methods) for methods in spec["paths"].values())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            page = browser.new_page()
            page.goto(f"{served.url}/api/docs")
            page.wait_for_selector(".opblock", timeout=20_000)
            assert page.locator(".opblock").count() == operations
            assert "Unable to render" not in page.inner_text("body")
        finally:
            browser.close()
