"""Issues 14.2 and 14.7 on a real uvicorn server started as `hmsverify serve` starts it: no
national id (nor any search term) reaches the access log or the portal's own log, and a forged
X-Forwarded-For changes neither the logged address nor the rate-limit key, unless the peer is a
configured trusted proxy."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi.testclient import TestClient

from portal.app import create_app
from portal.settings import RateLimit
from portal.state import Portal
from tests.portal.support import PASSWORD, World, seed_world
from tests.security.support import LiveServer, PortalMaker


def live_login(server: LiveServer, email: str) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, follow_redirects=False)
    html = client.get("/login").text
    csrf = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf}
    )
    assert response.status_code == 303
    return client


def test_no_national_id_or_search_term_reaches_the_logs(
    live_server: LiveServer, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    national_id = world.national_ids_a[0]
    caplog.set_level(logging.DEBUG)
    client = live_login(live_server, world.orderer_a)
    try:
        assert client.get("/employees", params={"q": national_id}).status_code == 200
        spaced = f"{national_id[:6]} {national_id[6:]}"
        assert client.get("/employees", params={"q": spaced}).status_code == 200
        assert client.get("/employees", params={"q": "Person0"}).status_code == 200
        assert client.get(f"/employees/{national_id}").status_code in (404, 422)
    finally:
        client.close()
    lines = live_server.access_lines()
    assert any("/employees?<redacted>" in line for line in lines), lines
    # Every server-side record (the test's own HTTP client logs its requests; it is not ours).
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    everything = "\n".join(lines + [r.getMessage() for r in server_side])
    for secret in (national_id, national_id[6:], "Person0"):
        assert secret not in everything


def test_a_forged_forwarded_for_is_not_believed(live_server: LiveServer, world: World) -> None:
    with httpx.Client(base_url=live_server.base_url) as client:
        client.get("/login", headers={"X-Forwarded-For": "203.0.113.9"})
    last = live_server.access_log[-1]
    assert "203.0.113.9" not in last.getMessage()
    assert "127.0.0.1" in str(last.args[0])  # type: ignore[index]


def exhaust_login_limit(client: TestClient, forwarded: list[str]) -> list[int]:
    codes = []
    for address in forwarded:
        csrf = client.get("/login").text.split('name="csrf_token" value="', 1)[1].split('"')[0]
        response = client.post(
            "/login",
            data={"email": "x@y.example", "password": "nope", "csrf_token": csrf},
            headers={"X-Forwarded-For": address},
        )
        codes.append(response.status_code)
    return codes


def test_rate_limits_count_the_real_peer_by_default(portal: Portal) -> None:
    portal.login_limiter.limit = RateLimit(count=3, window_s=600.0)
    with TestClient(create_app(portal), base_url="http://testserver") as client:
        codes = exhaust_login_limit(client, [f"198.51.100.{i}" for i in range(5)])
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]


def test_a_trusted_proxy_passes_the_client_address_on(make_portal: PortalMaker) -> None:
    # The test client's peer is "testclient"; as a configured proxy its header is believed.
    portal = make_portal(trusted_proxies=("testclient",))
    seed_world(portal)
    portal.login_limiter.limit = RateLimit(count=3, window_s=600.0)
    with TestClient(create_app(portal), base_url="http://testserver") as client:
        codes = exhaust_login_limit(client, [f"198.51.100.{i}" for i in range(5)])
        assert codes == [401] * 5  # five different clients behind the proxy
        same = exhaust_login_limit(client, ["192.0.2.1"] * 4)
    assert same[-1] == 429
