"""The share page's camera in a real Chromium whose fake camera shows a test image
(`--use-file-for-fake-video-capture`): MediaPipe's face landmarker runs in the page from the
portal's own copies (no CDN), the guide says "closer" for a small face and "good" for the
compliant portrait, and the shot goes through the upload form to the server's real verdict.
Screenshots: tests/artifacts/portal/40_camera_*.png."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.contexts import lifecycle_context
from portal.demo import ORDERER_EMAIL, seed_demo
from portal.lifecycle import place_order
from portal.models import Employee, User
from portal.sharing import create_share_link
from portal.state import Portal, build_portal, camera_available
from tests.browser import ARTIFACTS as BROWSER_ARTIFACTS
from tests.browser import CHROMIUM, CHROMIUM_ARGS, free_port, served
from tests.portal.support import IMAGES, make_settings, y4m_video

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = BROWSER_ARTIFACTS / "portal"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, Portal]]:
    if not camera_available():
        pytest.fail("node_modules/@mediapipe/tasks-vision is missing: scripts/setup.sh runs npm ci")
    tmp_path = tmp_path_factory.mktemp("camera")
    port = free_port()
    db = tmp_path / "portal.sqlite3"
    shutil.copy(sqlite_template, db)
    settings = make_settings(
        f"sqlite:///{db}", tmp_path / "data", base_url=f"http://127.0.0.1:{port}"
    )
    portal = build_portal(settings, migrate=False)
    with portal.sessions() as session:
        seed_demo(session, employees=2)
        session.commit()
    with served(portal, port) as base:
        yield base, portal


def share_link(portal: Portal) -> str:
    with portal.sessions() as session:
        ctx = lifecycle_context(portal, session, "test")
        employee = session.scalars(select(Employee).order_by(Employee.id)).first()
        orderer = session.scalars(select(User).where(User.email == ORDERER_EMAIL)).one()
        assert employee is not None
        order = place_order(ctx, employee, orderer)
        session.commit()
        return create_share_link(ctx, order, orderer, send_email=False)


def open_camera(playwright, video: Path, link: str):
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(link)
    page.click("#camera-start")
    return browser, page, requested


def wait_hint(page, wanted: str, timeout_s: float = 30.0) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        hint = page.locator("#camera").get_attribute("data-hint")
        if hint and (not seen or seen[-1] != hint):
            seen.append(hint)
        if hint == wanted:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"the guide never said {wanted!r}; it said {seen}")


def test_camera_guides_and_the_shot_gets_the_servers_verdict(
    server: tuple[str, Portal], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base, portal = server
    link = share_link(portal)
    small = IMAGES / "small_face.jpg"
    good = IMAGES / "compliant_portrait.jpg"
    if not small.exists() or not good.exists():
        pytest.fail("tests/images missing: `make images`")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        # A face far from the camera: the guide asks to come closer.
        browser, page, _ = open_camera(p, y4m_video(small, tmp_path / "small.y4m"), link)
        wait_hint(page, "closer")
        assert "nærmere" in page.locator("#camera-hint").inner_text()
        page.screenshot(path=str(ARTIFACTS / "40_camera_closer.png"), full_page=True)
        browser.close()

        # The compliant portrait: the guide is satisfied; the shot is uploaded and accepted.
        browser, page, requested = open_camera(p, y4m_video(good, tmp_path / "good.y4m"), link)
        wait_hint(page, "ready")
        assert "ready" in (page.locator("#camera-shoot").get_attribute("class") or "")
        page.screenshot(path=str(ARTIFACTS / "41_camera_ready.png"), full_page=True)
        page.click("#camera-shoot")
        result = page.locator("#photo-result .result[data-state]:not([data-state=queued])")
        result.wait_for(timeout=90_000)
        assert result.get_attribute("data-state") == "pass", result.inner_text()
        page.screenshot(path=str(ARTIFACTS / "42_camera_shot_accepted.png"), full_page=True)
        # Everything came from the portal itself: no CDN, no other host.
        assert all(url.startswith((base, "data:", "blob:")) for url in requested), requested
        assert any(u.endswith("/vendor/models/face_landmarker.task") for u in requested)
        browser.close()
