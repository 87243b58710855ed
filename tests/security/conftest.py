"""Fixtures for the security tests: the real portal (SQLite, migrated), its app with the
embedded queue, the seeded world of tests/portal, and a live uvicorn server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from portal.app import create_app
from portal.db import make_engine, upgrade_database
from portal.state import Portal, build_portal
from tests.portal.support import World, make_settings, seed_world
from tests.security.support import LiveServer, PortalMaker, run_live_server


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


@pytest.fixture
def live_server(portal: Portal) -> Iterator[LiveServer]:
    yield from run_live_server(portal)
