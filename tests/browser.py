"""What the browser tests share: Debian's Chromium driven by Playwright, a portal served by
uvicorn on a free port, and screenshots under tests/artifacts/ to look at."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from portal.app import create_app
from portal.demo import DEMO_PASSWORD
from portal.state import Portal

CHROMIUM = "/usr/bin/chromium"
# No background traffic: this machine's closed network refuses it, many connections at a time.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-gpu",
)
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(portal: Portal, port: int) -> Iterator[str]:
    """The portal's real app on 127.0.0.1:`port` in a thread; yields its base URL."""
    config = uvicorn.Config(create_app(portal), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        portal.engine.dispose()


@contextmanager
def chromium(extra_args: Sequence[str] = ()) -> Iterator[Any]:
    """A headless Chromium; fails (not skips) when it is missing, since `make test` installs it."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: scripts/setup.sh test installs the Debian package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args], headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, area: str, name: str) -> None:
    folder = ARTIFACTS / area
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def log_in(page: Any, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def no_sideways_scroll(page: Any) -> bool:
    """The page fits its viewport's width (nothing to scroll sideways)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
