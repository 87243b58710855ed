"""Every route × every role: anonymous, share-link holder, orderer of another company, reviewer,
owner (the orderer of company A). The routes come from the app itself, so a new route without a
row in RULES fails here until someone decides who may use it."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from skimage import data as skdata
from sqlalchemy import select
from starlette.routing import BaseRoute

from portal.app import create_app
from portal.models import Card, ShareLink, Upload
from portal.settings import RateLimit
from portal.state import Portal
from tests.portal.support import (
    World,
    csrf_of,
    jpeg,
    login,
    place_order,
    seed_card,
    share_link,
    upload,
)

ROLES = ("anonymous", "holder", "other_orderer", "reviewer", "owner")
EMPLOYEE_OF_A = "Person1 Testesen"

# Who may do what. "public": anyone; "login": anyone logged in (acts on their own things);
# "company": the owner only (the orderer of the object's company); "review": reviewers only;
# "token": whoever holds the share link's token (the link is the capability).
RULES: dict[str, str] = {
    "/": "public",
    "/login": "public",
    "/logout": "login",
    "/company": "login",
    "/lang": "public",
    "/status": "public",
    "/healthz": "public",
    "/employees": "company_list",
    "/employees/new": "company_list",
    "/employees/{employee_id}": "company",
    "/employees/{employee_id}/left": "company",
    "/employees/{employee_id}/returned": "company",
    "/employees/{employee_id}/orders": "company",
    "/cards/{card_id}/block": "company",
    "/orders": "company_list",
    "/orders/{order_id}": "company",
    "/orders/{order_id}/cancel": "company",
    "/orders/{order_id}/share-links": "company",
    "/share-links/{link_id}/revoke": "company",
    "/orders/{order_id}/photo": "company",
    "/orders/{order_id}/temporary-card.pdf": "company",
    "/review": "review",
    "/review/uploads/{upload_id}": "review",
    "/review/uploads/{upload_id}/{variant}.jpg": "review",
    "/review/orders/{order_id}/{step}": "review",
    # Delegation pages: registry role holders of the active company only (a plain orderer gets
    # 403); their own rules are tested in depth in tests/auth. No delegation is seeded here, so
    # for the owner an id answers 404 too; for everyone else it must never answer more.
    "/company/delegations": "role_holder",
    "/company/delegations/{delegation_id}": "delegation",
    "/company/delegations/{delegation_id}/revoke": "delegation",
    "/review/uploads/{upload_id}/document-face.jpg": "review_object",
    # The demo outbox: reviewers only, and only where HMSVERIFY_DEMO_OUTBOX is on (off here: 404
    # for a reviewer, never more for anyone else).
    "/outbox": "review_object",
    "/outbox/{mail_id}/attachments/{index}": "review_object",
    # The camera's runtime and model: public files (404 where npm ci has not installed them).
    "/vendor/tasks-vision/{name:path}": "asset",
    "/vendor/models/face_landmarker.task": "asset",
    # API clients: the company's role holders only; no client is seeded here, so for the owner
    # an id answers 404 too (tests/api covers the page in depth).
    "/company/api-clients": "role_holder",
    "/company/api-clients/{client_pk}/revoke": "delegation",
    "/company/api-clients/{client_pk}/webhook": "delegation",
    # OpenID Connect login: public; without a configured provider it does not exist (404).
    "/login/oidc": "oidc",
    "/login/oidc/callback": "oidc",
    "/s/{token}": "token",
    "/s/{token}/photo": "token",
    "/s/{token}/id-document": "token",
    "/s/{token}/uploads/{upload_id}/status": "token",
    "/s/{token}/uploads/{upload_id}/{variant}.jpg": "token",
}

DENIED_LOGIN = {303}  # to /login
DENIED = {403, 404}
# Allowed: done, redirected on, or refused for the object's state or the input, not the role.
ALLOWED = {200, 303, 409, 410, 422}


def seed_company_a(client: TestClient, portal: Portal, world: World) -> dict[str, str]:
    csrf = login(client, world.orderer_a)
    order_id = place_order(client, csrf, world.employees_a[1])
    link = share_link(client, csrf, order_id)
    card_id = seed_card(portal, world, world.employees_a[0])
    status, fragment = upload(client, link, "photo", jpeg(skdata.astronaut()))
    assert status == 200
    upload_id = re.search(r'id="upload-([0-9a-f]{32})"', fragment)
    assert upload_id
    with portal.sessions() as session:
        link_id = session.scalars(select(ShareLink.id).where(ShareLink.order_id == order_id)).one()
        card = session.get(Card, card_id)
        assert card is not None
        card_order = card.order_id
        # The carded order's portrait gets its card crop, as a passed check leaves it.
        photo = session.get(Upload, card.order.photo_upload_id)
        assert photo is not None
        photo.crop_name = portal.files.save(jpeg(skdata.astronaut()))
        session.commit()
    return {
        "employee_id": str(world.employees_a[1]),
        "order_id": str(order_id),
        "card_order_id": str(card_order),
        "card_id": str(card_id),
        "link_id": str(link_id),
        "upload_id": upload_id.group(1),
        "step": "production",
        "variant": "crop",
        "token": link.removeprefix("/s/"),
        "delegation_id": "1",
        "client_pk": "1",
        "mail_id": "1",
        "index": "0",
    }


def api_routes(routes: list[BaseRoute]) -> list[APIRoute]:
    """Every endpoint the app serves, also those of included routers."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += api_routes(route.original_router.routes)
    return found


def url_for(path: str, ids: dict[str, str], *, guessed_token: bool) -> str:
    values = dict(ids)
    if path in ("/orders/{order_id}/photo", "/orders/{order_id}/temporary-card.pdf"):
        values["order_id"] = ids["card_order_id"]  # the order that has a card and a photo
    if guessed_token:
        values["token"] = "g" * 43
    path = path.replace("{name:path}", "vision_bundle.mjs")
    return path.format(**values)


def request(client: TestClient, method: str, url: str, csrf: str) -> httpx.Response:
    if method == "GET":
        return client.get(url)
    files = None
    if url.endswith(("/photo", "/id-document")) and url.startswith("/s/"):
        files = {"photo" if url.endswith("/photo") else "document": ("a.jpg", b"not an image")}
    return client.post(url, data={"csrf_token": csrf, "decision": "approve"}, files=files)


def expected(rule: str, role: str) -> set[int]:
    logged_in = role in ("other_orderer", "reviewer", "owner")
    if rule == "public":
        return ALLOWED
    if rule in ("oidc", "asset"):
        return ALLOWED | {404}
    if rule == "token":
        return ALLOWED if role == "holder" else {404}
    if not logged_in:
        return DENIED_LOGIN
    if rule == "login":
        return ALLOWED
    if rule == "review":
        return ALLOWED if role == "reviewer" else {403}
    if rule == "review_object":  # a reviewer's page about an object that may not exist here
        return ALLOWED | {404} if role == "reviewer" else {403}
    if role == "reviewer":
        return {403}  # a reviewer holds no company role
    if rule == "company_list":
        return ALLOWED  # their own company's list
    if rule == "role_holder":
        return ALLOWED | {403}
    if rule == "delegation":
        return ALLOWED | DENIED if role == "owner" else DENIED
    return ALLOWED if role == "owner" else DENIED


@pytest.mark.slow
def test_every_route_for_every_role(portal: Portal, world: World) -> None:
    # Many logins from one test client: the rate limit is not what this test is about.
    portal.login_limiter.limit = RateLimit(count=100_000, window_s=60.0)
    app = create_app(portal)
    routes = api_routes(app.routes)
    unknown = sorted({r.path for r in routes} - set(RULES))
    assert not unknown, f"routes without an authorisation rule: {unknown}"

    def new_client() -> TestClient:
        return TestClient(app, base_url="http://testserver", follow_redirects=False)

    with TestClient(app, base_url="http://testserver", follow_redirects=False) as owner:
        ids = seed_company_a(owner, portal, world)
        clients: dict[str, Callable[[], tuple[TestClient, str]]] = {}

        def anonymous() -> tuple[TestClient, str]:
            client = new_client()
            return client, csrf_of(client, "/login")

        def holder() -> tuple[TestClient, str]:
            client = new_client()
            return client, csrf_of(client, f"/s/{ids['token']}")

        def as_user(email: str) -> Callable[[], tuple[TestClient, str]]:
            def make() -> tuple[TestClient, str]:
                client = new_client()
                return client, login(client, email)

            return make

        clients = {
            "anonymous": anonymous,
            "holder": holder,
            "other_orderer": as_user(world.orderer_b),
            "reviewer": as_user(world.reviewer),
            "owner": as_user(world.orderer_a),
        }
        checked = 0
        logged: dict[str, tuple[TestClient, str]] = {}
        for role in ROLES:  # the owner last: its writes (cancel, revoke) would change the rest
            for route in sorted(routes, key=lambda r: (r.path == "/logout", r.path)):
                for method in sorted(route.methods or ()):
                    # One session per role; /logout comes last, so it ends nothing still in use.
                    if role not in logged:
                        logged[role] = clients[role]()
                    client, csrf = logged[role]
                    rule = RULES[route.path]
                    url = url_for(route.path, ids, guessed_token=role != "holder")
                    response = request(client, method, url, csrf)
                    allowed = expected(rule, role)
                    assert response.status_code in allowed, (
                        role,
                        method,
                        url,
                        response.status_code,
                    )
                    if response.status_code == 303 and allowed == DENIED_LOGIN:
                        assert response.headers["location"] == "/login"
                    reviewing = role == "reviewer" and rule in ("review", "review_object")
                    if (role in ("anonymous", "other_orderer", "reviewer") and not reviewing) or (
                        role == "holder" and rule != "token"
                    ):
                        # Nobody but the owner (the link's holder on its page, a reviewer on the
                        # item under review: the name is checked against the document) sees A's
                        # people.
                        assert EMPLOYEE_OF_A not in response.text, (role, method, url)
                    checked += 1
    assert checked >= len(ROLES) * 30
