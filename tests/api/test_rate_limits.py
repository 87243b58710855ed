"""Rate limits per API client (and on the token endpoint per address), answered as 429 problem
documents with Retry-After; one client's limit does not touch another's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal.security import RateLimiter
from portal.settings import RateLimit
from tests.api.support import Served


@pytest.fixture
def small_limits(served: Served) -> Iterator[None]:
    saved = served.portal.api_limiter, served.portal.api_token_limiter, served.portal.settings
    served.portal.settings = served.portal.settings.with_overrides(
        api_rate_limit=RateLimit(count=5, window_s=60.0),
        api_token_limit=RateLimit(count=4, window_s=60.0),
    )
    served.portal.api_limiter = RateLimiter(served.portal.settings.api_rate_limit)
    served.portal.api_token_limiter = RateLimiter(served.portal.settings.api_token_limit)
    yield
    served.portal.api_limiter, served.portal.api_token_limiter, served.portal.settings = saved


def test_each_client_has_its_own_limit(served: Served, small_limits: None) -> None:
    first = served.new_client(["orders:read"])
    second = served.new_client(["orders:read"])
    headers_1, headers_2 = served.bearer(first), served.bearer(second)
    answers = [served.http.get("/api/v1/orders", headers=headers_1).status_code for _ in range(7)]
    assert answers == [200] * 5 + [429] * 2
    limited = served.http.get("/api/v1/orders", headers=headers_1)
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.json()["type"] == "urn:hmsverify:api:problem:rate-limited"
    assert int(limited.headers["retry-after"]) >= 1
    assert served.http.get("/api/v1/orders", headers=headers_2).status_code == 200


def test_token_requests_are_limited_per_address(served: Served, small_limits: None) -> None:
    creds = served.new_client(["cards:read"])
    codes = [
        served.http.post(
            "/api/v1/token",
            data={"grant_type": "client_credentials"},
            auth=(creds.client_id, "wrong" if i % 2 else creds.secret),
        ).status_code
        for i in range(6)
    ]
    # Wrong secrets count too: guessing is limited like everything else.
    assert codes == [200, 401, 200, 401, 429, 429]
