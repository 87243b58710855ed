"""Fixtures for the portal tests: a migrated database on SQLite and PostgreSQL, a portal with
its real embedded verification queue, seeded companies, users and employees."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from portal.app import create_app
from portal.db import make_engine, upgrade_database
from portal.models import Base
from portal.state import Portal, build_portal
from tests.portal.support import World, make_settings, seed_world

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
# One database per test run, so runs by several people (or CI jobs) on one server never meet.
PG_TEST_DB = os.environ.get("HMSVERIFY_TEST_PG_DB", f"hmsverify_test_{os.getpid()}")


def _pg_available() -> bool:
    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=2, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (PG_TEST_DB,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{PG_TEST_DB}"')
        return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; every test copies it (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    if not _pg_available():
        pytest.fail("PostgreSQL on 127.0.0.1:5432 is required (scripts/services.sh starts it)")
    url = f"{PG_SERVER}/{PG_TEST_DB}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade_database(engine)
    engine.dispose()
    yield url
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}" WITH (FORCE)')


def _truncate_pg(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "portal.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    _truncate_pg(url)
    return url


@pytest.fixture
def portal(database_url: str, tmp_path: Path) -> Iterator[Portal]:
    built = build_portal(make_settings(database_url, tmp_path / "data"), migrate=False)
    yield built
    built.engine.dispose()


@pytest.fixture
def world(portal: Portal) -> World:
    return seed_world(portal)


@pytest.fixture
def client(portal: Portal) -> Iterator[TestClient]:
    """The app with its lifespan (embedded queue threads, verdict hook) running."""
    with TestClient(
        create_app(portal), base_url="http://testserver", follow_redirects=False
    ) as test_client:
        yield test_client
