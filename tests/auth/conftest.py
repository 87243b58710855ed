"""The portal's database fixtures (tests/portal/conftest.py: SQLite and PostgreSQL, a migrated
database per test, the real app) made visible here, plus the registry world of a group."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

PORTAL_TESTS = Path(__file__).resolve().parents[1] / "portal"
if str(PORTAL_TESTS) not in sys.path:
    # portal_support is imported by its bare name, as in tests/portal.
    sys.path.insert(0, str(PORTAL_TESTS))

_spec = importlib.util.spec_from_file_location(
    "portal_tests_conftest", PORTAL_TESTS / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_portal_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_portal_conftest)

database_url = _portal_conftest.database_url
pg_url = _portal_conftest.pg_url
sqlite_template = _portal_conftest.sqlite_template
portal = _portal_conftest.portal
client = _portal_conftest.client
