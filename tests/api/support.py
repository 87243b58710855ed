"""Helpers for the API tests (fixtures in tests/api/conftest.py): serving the real portal app
with uvicorn on a free port, the embedded queue with fast job back-off, API clients and tokens,
and the state of a local webhook receiver that can fail on purpose."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import select

from portal.api_clients import create_client, set_webhook
from portal.app import create_app
from portal.models import Company, User
from portal.settings import RateLimit
from portal.state import Portal, build_portal
from tests.portal.support import World, make_settings
from verifier.queue.settings import QueueSettings

ALL_SCOPES = ["cards:read", "employees:write", "orders:write", "uploads:write", "orders:read"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Webhook retries in tests: 3 retries after the first try, 100-400 ms apart.
FAST_JOBS = QueueSettings(job_max_retries=3, job_min_backoff_ms=100, job_max_backoff_ms=400)


@dataclass
class Served:
    """The running app: its base URL, the portal behind it, and the seeded world."""

    url: str
    portal: Portal
    world: World
    http: httpx.Client

    def company(self, which: str = "a") -> Company:
        company_id = self.world.company_a if which == "a" else self.world.company_b
        with self.portal.sessions() as session:
            found = session.get(Company, company_id)
            assert found is not None
            return found

    def register_person(self, national_id: str, which: str = "a") -> None:
        """Puts a person in the demo registry as employed by company `which` (adding an
        employee and placing an order check the registers)."""
        from portal.registry import seed_registry

        company = self.company(which)
        with self.portal.sessions() as session:
            seed_registry(
                session,
                national_ids=[national_id],
                org_number=company.org_number,
                industry=company.industry,
            )
            session.commit()

    def new_client(
        self, scopes: list[str], which: str = "a", webhook: str | None = None
    ) -> ApiCredentials:
        """An API client made through the service the owner's page calls."""
        email = self.world.orderer_a if which == "a" else self.world.orderer_b
        with self.portal.sessions() as session:
            owner = session.scalars(select(User).where(User.email == email)).one()
            company = self.company(which)
            made = create_client(
                session, company, owner, name="HR", scopes=scopes, now=dt.datetime.now(dt.UTC)
            )
            secret = None
            if webhook:
                secret = set_webhook(session, made.client, webhook, self.portal.settings)
            return ApiCredentials(made.client.client_id, made.secret, made.client.id, secret)

    def token(self, credentials: ApiCredentials, scope: str | None = None) -> str:
        data = {"grant_type": "client_credentials"}
        if scope is not None:
            data["scope"] = scope
        response = self.http.post(
            "/api/v1/token", data=data, auth=(credentials.client_id, credentials.secret)
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def bearer(self, credentials: ApiCredentials, scope: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(credentials, scope)}"}


@dataclass
class ApiCredentials:
    client_id: str
    secret: str
    pk: int
    webhook_secret: str | None = None


def serve(portal: Portal, port: int) -> Iterator[str]:
    config = uvicorn.Config(
        create_app(portal), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # the embedded queue loads the models first
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def build(
    database_url: str,
    data_dir: Path,
    port: int,
    queue_settings: QueueSettings = FAST_JOBS,
    **overrides: object,
) -> Portal:
    settings = make_settings(
        database_url,
        data_dir,
        base_url=f"http://127.0.0.1:{port}",
        webhook_allow_http=True,
        webhook_allow_private=True,
        webhook_dispatch_interval_s=0.2,
        # Every test calls from 127.0.0.1; test_rate_limits.py sets small limits of its own.
        api_token_limit=RateLimit(count=100_000, window_s=60.0),
        **overrides,
    )
    return build_portal(settings, migrate=False, queue_settings=queue_settings)


# ---------------------------------------------------------------- the webhook receiver


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]
    at: float


@dataclass
class Receiver:
    """A local HTTP endpoint that answers 500 to its first `fail_first` requests."""

    fail_first: int = 0
    received: list[Received] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def events(self) -> list[dict[str, object]]:
        with self.lock:
            ok = [
                r for r, status in zip(self.received, self.answered, strict=True) if status == 200
            ]
        return [json.loads(r.body) for r in ok]

    def wait_for(self, predicate: object, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if callable(predicate) and predicate():
                return
            time.sleep(0.05)
        raise AssertionError(f"receiver: condition not met; got {self.answered}")
