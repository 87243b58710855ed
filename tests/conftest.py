"""Tests that need a service or the browser, in one place: marked tests whose service is missing
are skipped with the reason on a developer's machine, and fail under CI=true, where a missing
service is a broken set-up rather than a reason to test less.

Markers (declared in pyproject.toml): redis, postgres, rabbitmq, browser.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
RABBITMQ_VHOST = "hmsverify-test"
RABBITMQ_URL = f"amqp://guest:guest@127.0.0.1:5672/{RABBITMQ_VHOST}"


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def _redis_missing() -> str | None:
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return f"Redis on 127.0.0.1:6379 does not answer ({exc}); scripts/services.sh starts it"
    return None


def _postgres_missing() -> str | None:
    import psycopg

    try:
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
    except psycopg.OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            f"PostgreSQL on 127.0.0.1:5432 does not answer ({first_line}); "
            "scripts/services.sh starts it"
        )
    return None


def _rabbitmq_missing() -> str | None:
    if not _answers("127.0.0.1", 5672):
        return "RabbitMQ on 127.0.0.1:5672 does not answer; scripts/services.sh starts it"
    if importlib.util.find_spec("pika") is None:
        return "pika is not installed; scripts/setup.sh test installs the dev extra"
    if shutil.which("rabbitmqctl") is None:
        return "rabbitmqctl is not installed (Debian package rabbitmq-server)"
    for command in (
        ["rabbitmqctl", "add_vhost", RABBITMQ_VHOST],
        ["rabbitmqctl", "set_permissions", "-p", RABBITMQ_VHOST, "guest", ".*", ".*", ".*"],
    ):
        done = subprocess.run(command, capture_output=True, timeout=60, check=False)
        output = done.stderr + done.stdout
        if done.returncode != 0 and b"already exists" not in output:
            return f"`{' '.join(command)}` failed: {output.decode(errors='replace').strip()}"
    return None


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing; scripts/setup.sh test installs the Debian package chromium"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed; scripts/setup.sh test installs the dev extra"
    return None


SERVICE_PROBES: dict[str, Callable[[], str | None]] = {
    "redis": _redis_missing,
    "postgres": _postgres_missing,
    "rabbitmq": _rabbitmq_missing,
    "browser": _browser_missing,
}


@cache
def missing(marker: str) -> str | None:
    """Why the service behind `marker` cannot be used, or None when it can (probed once)."""
    return SERVICE_PROBES[marker]()


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's machine; fail under CI=true."""
    if under_ci():
        pytest.fail(f"{reason} (CI=true: a missing service fails the run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def missing_service() -> Callable[[str], None]:
    """`skip_or_fail` for a test's own check of what it needs beyond its marker's service."""
    return skip_or_fail


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    """The test virtual host the rabbitmq probe made (use with the rabbitmq marker)."""
    return RABBITMQ_URL


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before any fixture runs, so a fixture never meets a missing service half-way.
    for marker in SERVICE_PROBES:
        if item.get_closest_marker(marker) is None:
            continue
        reason = missing(marker)
        if reason is not None:
            skip_or_fail(reason)
