"""Issue 14.5: a login attempt for an unknown e-mail costs the same argon2 work as one for a
known e-mail, so the answer's timing does not tell which e-mails have an account."""

from __future__ import annotations

import statistics
import time

from fastapi.testclient import TestClient

from portal.settings import RateLimit
from portal.state import Portal
from tests.portal.support import World, csrf_of


def attempt(client: TestClient, email: str) -> float:
    csrf = csrf_of(client)
    started = time.perf_counter()
    response = client.post(
        "/login", data={"email": email, "password": "wrong password!", "csrf_token": csrf}
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 401
    return elapsed


def test_unknown_and_known_emails_take_alike(portal: Portal, world: World) -> None:
    from portal.app import create_app

    portal.login_limiter.limit = RateLimit(count=1000, window_s=60.0)
    with TestClient(create_app(portal), base_url="http://testserver") as client:
        attempt(client, "nobody@nowhere.example")  # the dummy hash is made once, on first use
        known = [attempt(client, world.orderer_a) for _ in range(5)]
        unknown = [attempt(client, f"nobody{i}@nowhere.example") for i in range(5)]
    known_s, unknown_s = statistics.median(known), statistics.median(unknown)
    # Without the dummy hash an unknown e-mail answered in a few ms against ~100+ ms.
    assert unknown_s > 0.6 * known_s, (unknown_s, known_s)
    assert unknown_s < 1.6 * known_s, (unknown_s, known_s)
