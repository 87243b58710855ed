"""Issues 14.4 and 14.6: the cookie holds an opaque id only; logout and a password change end
the session on the server (an old cookie stops working); a login gets a new id; the cookie is
Secure unless the local demo turns it off."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from portal.accounts import change_password, user_by_email
from portal.app import create_app
from portal.models import WebSession
from portal.settings import PortalSettings, settings_from_env
from portal.state import Portal
from portal.web_sessions import COOKIE_NAME
from tests.portal.support import PASSWORD, World, csrf_of, login, place_order
from tests.security.support import PortalMaker


def cookie_of(client: TestClient) -> str:
    value = client.cookies.get(COOKIE_NAME)
    assert value
    return value


def with_cookie(portal: Portal, value: str) -> TestClient:
    other = TestClient(create_app(portal), base_url="http://testserver", follow_redirects=False)
    other.cookies.set(COOKIE_NAME, value)
    return other


def test_the_cookie_is_opaque(client: TestClient, portal: Portal, world: World) -> None:
    csrf = login(client, world.orderer_a)
    order_id = place_order(client, csrf, world.employees_a[0])
    client.post(f"/orders/{order_id}/share-links", data={"csrf_token": csrf})
    value = cookie_of(client)
    assert len(value) == 43 and "." not in value  # 256 random bits, no signed payload
    try:
        decoded = base64.urlsafe_b64decode(value + "=")
    except binascii.Error:
        decoded = b""
    for secret in (b"user_id", b"company_id", b"/s/", b"csrf"):
        assert secret not in decoded
    # The fresh share link waits on the server, shown once on the order page.
    assert "/s/" in client.get(f"/orders/{order_id}").text


def test_logout_ends_the_session_for_every_copy_of_the_cookie(
    client: TestClient, portal: Portal, world: World
) -> None:
    csrf = login(client, world.orderer_a)
    stolen = cookie_of(client)
    assert with_cookie(portal, stolen).get("/employees").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    replay = with_cookie(portal, stolen).get("/employees")
    assert replay.status_code == 303 and replay.headers["location"] == "/login"
    with portal.sessions() as session:
        assert session.scalar(select(func.count()).select_from(WebSession)) == 0


def test_a_password_change_ends_all_sessions(portal: Portal, world: World) -> None:
    phone = TestClient(create_app(portal), base_url="http://testserver", follow_redirects=False)
    laptop = TestClient(create_app(portal), base_url="http://testserver", follow_redirects=False)
    login(phone, world.orderer_a)
    login(laptop, world.orderer_a)
    login_b = TestClient(create_app(portal), base_url="http://testserver", follow_redirects=False)
    login(login_b, world.orderer_b)
    with portal.sessions() as session:
        user = user_by_email(session, world.orderer_a)
        assert user is not None
        assert change_password(session, user, "a brand new passphrase") == 2
    for client in (phone, laptop):
        assert client.get("/employees").status_code == 303
    assert login_b.get("/employees").status_code == 200  # another user's session stays
    # The new password works, the old one not.
    csrf = csrf_of(phone)
    old = phone.post(
        "/login", data={"email": world.orderer_a, "password": PASSWORD, "csrf_token": csrf}
    )
    assert old.status_code == 401


def test_login_issues_a_new_session_id(client: TestClient, world: World) -> None:
    csrf_of(client)  # an anonymous session (CSRF token) exists before login
    before = cookie_of(client)
    login(client, world.orderer_a)
    assert cookie_of(client) != before
    portal: Portal = client.app.state.portal  # type: ignore[attr-defined]
    replay = with_cookie(portal, before).get("/employees")
    assert replay.status_code == 303


def test_the_cookie_is_secure_by_default(
    make_portal: PortalMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HMSVERIFY_SECURE_COOKIES", raising=False)
    assert settings_from_env(tmp_path).secure_cookies is True
    monkeypatch.setenv("HMSVERIFY_SECURE_COOKIES", "0")
    assert settings_from_env(tmp_path).secure_cookies is False
    secure = make_portal(secure_cookies=True)
    with TestClient(create_app(secure), base_url="https://testserver") as client:
        response = client.get("/login")
        cookie = response.headers["set-cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_local_demo_runs_without_secure_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    from portal.cli import demo_settings

    served = PortalSettings(database_url="sqlite://", data_dir=Path("."))
    assert served.secure_cookies is True
    monkeypatch.delenv("HMSVERIFY_SECURE_COOKIES", raising=False)
    assert demo_settings(served).secure_cookies is False
    monkeypatch.setenv("HMSVERIFY_SECURE_COOKIES", "1")
    assert demo_settings(served).secure_cookies is True
