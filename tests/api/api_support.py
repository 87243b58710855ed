"""Fixtures and helpers for the API tests: the real portal app served by uvicorn on a free port
(real HTTP), its real database (SQLite and PostgreSQL), the embedded queue with fast job
back-off, API clients, tokens, and a local webhook receiver that can fail on purpose."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg
import pytest
import uvicorn
from portal_support import World, make_settings, seed_world
from sqlalchemy import select, text

from portal.api_clients import create_client, set_webhook
from portal.app import create_app
from portal.db import make_engine, upgrade_database
from portal.models import Base, Company, User
from portal.settings import RateLimit
from portal.state import Portal, build_portal
from verifier.queue.settings import QueueSettings

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_TEST_DB = f"hmsverify_api_test_{os.getpid()}"
ALL_SCOPES = ["cards:read", "employees:write", "orders:write", "uploads:write", "orders:read"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def api_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("api-db") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def api_pg_url() -> Iterator[str]:
    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=2, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_TEST_DB}"')
    except psycopg.OperationalError:
        pytest.fail("PostgreSQL on 127.0.0.1:5432 is required (scripts/services.sh starts it)")
    url = f"{PG_SERVER}/{PG_TEST_DB}"
    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    yield url
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}" WITH (FORCE)')


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def api_database_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    api_sqlite_template: Path,
) -> str:
    """One database per test module and backend: the app (whose embedded queue loads the face
    models, ~10 s) is started once per module; tests make their own clients and objects."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("api") / "portal.sqlite3"
        shutil.copy(api_sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("api_pg_url")
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


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
        webhook_dispatch_interval_s=0.2,
        # Every test calls from 127.0.0.1; test_rate_limits.py sets small limits of its own.
        api_token_limit=RateLimit(count=100_000, window_s=60.0),
        **overrides,
    )
    return build_portal(settings, migrate=False, queue_settings=queue_settings)


@pytest.fixture(scope="module")
def served(api_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    port = free_port()
    portal = build(api_database_url, tmp_path_factory.mktemp("data"), port)
    world = seed_world(portal, employees=8)
    try:
        for url in serve(portal, port):
            with httpx.Client(base_url=url, timeout=30) as http:
                yield Served(url, portal, world, http)
    finally:
        portal.engine.dispose()


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


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with state.lock:
                status = 500 if len(state.received) < state.fail_first else 200
                state.received.append(Received(body, dict(self.headers), time.time()))
                state.answered.append(status)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/hms"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    thread.join(timeout=5)
