"""Fixtures for the API tests: the real portal app served by uvicorn on a free port (real HTTP)
on a real database (SQLite and PostgreSQL), and a local webhook receiver. Helpers are in
tests/api/support.py."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import text

from portal.db import make_engine, upgrade_database
from portal.models import Base
from tests.api.support import Received, Receiver, Served, build, free_port, serve
from tests.portal.support import seed_world

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_TEST_DB = f"hmsverify_api_test_{os.getpid()}"


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
