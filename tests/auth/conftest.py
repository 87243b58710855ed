"""Fixtures for the delegation and login tests: the portal's (tests/portal/conftest.py: SQLite
and PostgreSQL, a migrated database per test, the real app), used here as they are."""

from tests.portal.conftest import (  # noqa: F401
    client,
    database_url,
    pg_url,
    portal,
    sqlite_template,
)
