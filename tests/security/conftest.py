"""Fixtures for the security tests: the real portal (SQLite, migrated), its app with the
embedded queue, the seeded world of tests/portal, and a live uvicorn server for what only a
real server shows (streamed bodies, the access log, client addresses)."""

from __future__ import annotations

import logging
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "portal"))

from portal_support import World, make_settings, seed_world

from portal.app import create_app
from portal.cli import uvicorn_options
from portal.db import make_engine, upgrade_database
from portal.settings import PortalSettings
from portal.state import Portal, build_portal


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    engine.dispose()
    return path


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "portal.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


PortalMaker = Callable[..., Portal]


@pytest.fixture
def make_portal(database_url: str, tmp_path: Path) -> Iterator[PortalMaker]:
    built: list[Portal] = []

    def make(**overrides: object) -> Portal:
        portal = build_portal(
            make_settings(database_url, tmp_path / "data", **overrides), migrate=False
        )
        built.append(portal)
        return portal

    yield make
    for portal in built:
        portal.engine.dispose()


@pytest.fixture
def portal(make_portal: PortalMaker) -> Portal:
    return make_portal()


@pytest.fixture
def world(portal: Portal) -> World:
    return seed_world(portal)


@pytest.fixture
def client(portal: Portal) -> Iterator[TestClient]:
    with TestClient(
        create_app(portal), base_url="http://testserver", follow_redirects=False
    ) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    base_url: str
    host: str
    port: int
    portal: Portal
    access_log: list[logging.LogRecord]

    def access_lines(self) -> list[str]:
        return [record.getMessage() for record in self.access_log]


class _Collect(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.INFO)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


def run_live_server(portal: Portal) -> Iterator[LiveServer]:
    """The app under uvicorn with the options `hmsverify serve` uses, in a thread."""
    port = free_port()
    options = uvicorn_options("127.0.0.1", port)
    config = uvicorn.Config(create_app(portal), **options)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    records: list[logging.LogRecord] = []
    # After start-up: uvicorn's logging config replaces handlers when the server starts.
    handler = _Collect(records)
    logger = logging.getLogger("uvicorn.access")
    logger.addHandler(handler)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", "127.0.0.1", port, portal, records)
    finally:
        logger.removeHandler(handler)
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture
def live_server(portal: Portal) -> Iterator[LiveServer]:
    yield from run_live_server(portal)


__all__ = ["LiveServer", "PortalMaker", "PortalSettings", "World", "run_live_server"]
