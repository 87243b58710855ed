"""First-upload acceptance of compliant portraits, picked as a file versus taken with the share
page's in-page camera and its live guidance, on the corpus's compliant photos shown to
Chromium's fake camera (`--use-file-for-fake-video-capture`).

    .venv/bin/python -m bench.camera_acceptance --corpus $CORPUS/faces

Both paths run the real portal (a temporary SQLite demo database, the embedded queue) and the
real page: "file" uploads the photo through the file picker; "camera" shows the photo as the
camera's picture, waits for the guide to say "good" (at most `--wait` seconds, then shoots
anyway, as a person would), takes the shot and uploads it. The figure is the share whose first
upload the server accepts (`pass`). A static photo cannot follow a hint, so this measures what
the camera path costs or gains on photos that are already compliant, and how often the guide
is satisfied by them; it cannot measure how hints improve a live person's framing.
"""

from __future__ import annotations

import argparse
import collections
import csv
import secrets
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import uvicorn
from PIL import Image
from sqlalchemy import select

from bench.eval_photos import COLUMN_RULES
from portal.app import create_app
from portal.contexts import lifecycle_context
from portal.demo import ORDERER_EMAIL, seed_demo
from portal.lifecycle import place_order
from portal.models import Employee, User
from portal.settings import PortalSettings, RateLimit
from portal.sharing import create_share_link
from portal.state import Portal, build_portal

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def y4m_video(image: Path, out: Path) -> Path:
    """A one-frame 4:2:0 Y4M of the image; Chromium's fake camera repeats the frame."""
    with Image.open(image) as source:
        rgb = source.convert("RGB")
        width, height = rgb.width // 2 * 2, rgb.height // 2 * 2
        ycbcr = np.asarray(rgb.crop((0, 0, width, height)).convert("YCbCr"))
    # Video range (BT.601, Y 16-235, Cb/Cr 16-240), as the browser reads a camera's frames;
    # full-range values would come out with stretched contrast.
    luma = (16 + ycbcr[..., 0] * (219 / 255)).round().astype("uint8")
    chroma = [
        (
            128
            + (ycbcr[..., i].reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3)) - 128)
            * (224 / 255)
        )
        .round()
        .astype("uint8")
        for i in (1, 2)
    ]
    header = f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode()
    body = luma.tobytes() + b"".join(c.tobytes() for c in chroma)
    out.write_bytes(header + b"FRAME\n" + body)
    return out


def serve(data_dir: Path) -> tuple[str, Portal, uvicorn.Server]:
    port = 18000 + secrets.randbelow(2000)
    settings = PortalSettings(
        database_url=f"sqlite:///{data_dir / 'portal.sqlite3'}",
        data_dir=data_dir,
        base_url=f"http://127.0.0.1:{port}",
        secure_cookies=False,  # plain http://127.0.0.1
        start_background_jobs=False,
        share_upload_limit=RateLimit(count=10_000, window_s=60.0),
    )
    portal = build_portal(settings)
    with portal.sessions() as session:
        seed_demo(session, employees=2)
        session.commit()
    server = uvicorn.Server(
        uvicorn.Config(create_app(portal), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return settings.base_url, portal, server


def share_link(portal: Portal) -> str:
    with portal.sessions() as session:
        ctx = lifecycle_context(portal, session, "bench")
        employee = session.scalars(select(Employee).order_by(Employee.id)).first()
        orderer = session.scalars(select(User).where(User.email == ORDERER_EMAIL)).one()
        assert employee is not None
        order = place_order(ctx, employee, orderer)
        session.commit()
        return create_share_link(ctx, order, orderer, send_email=False)


def verdict(page, previous: str | None) -> tuple[str, str]:
    """The state of the newest checked upload in the portrait box (waits for a new one)."""
    box = page.locator("#photo-result .result[data-state]:not([data-state=queued])")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if box.count() and box.first.get_attribute("id") != previous:
            return str(box.first.get_attribute("data-state")), str(box.first.get_attribute("id"))
        time.sleep(0.1)
    return "timeout", previous or ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="the corpus's faces/ folder")
    parser.add_argument("--wait", type=float, default=8.0, help="seconds to wait for 'good'")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with (args.corpus / "manifest.csv").open() as handle:
        rows = [r for r in csv.DictReader(handle) if all(r[c] == "pass" for c in COLUMN_RULES)]
    if args.limit:
        rows = rows[: args.limit]
    with tempfile.TemporaryDirectory() as tmp:
        _, portal, server = serve(Path(tmp))
        link = share_link(portal)
        results: dict[str, dict[str, str]] = collections.defaultdict(dict)
        hints: collections.Counter[str] = collections.Counter()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
            page.goto(link)
            last: str | None = None
            for row in rows:
                page.set_input_files("input[name=photo]", str(args.corpus / row["file"]))
                page.click("text=Last opp portrett")
                results[row["file"]]["file"], last = verdict(page, last)
            browser.close()
            for row in rows:
                video = y4m_video(args.corpus / row["file"], Path(tmp) / "camera.y4m")
                camera = p.chromium.launch(
                    executable_path=CHROMIUM,
                    headless=True,
                    args=[
                        *ARGS,
                        "--use-fake-device-for-media-stream",
                        "--use-fake-ui-for-media-stream",
                        f"--use-file-for-fake-video-capture={video}",
                    ],
                )
                page = camera.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
                page.goto(link)
                before = page.locator("#photo-result .result[data-state]").first
                previous = before.get_attribute("id") if before.count() else None
                page.click("#camera-start")
                deadline, hint = time.monotonic() + args.wait + 10, None
                ready_by = None
                while time.monotonic() < deadline:
                    hint = page.locator("#camera").get_attribute("data-hint")
                    if hint == "ready":
                        break
                    if hint and ready_by is None:
                        ready_by = time.monotonic() + args.wait  # guide running: start waiting
                    if ready_by is not None and time.monotonic() > ready_by:
                        break
                    time.sleep(0.1)
                hints[str(hint)] += 1
                page.click("#camera-shoot")
                results[row["file"]]["camera"], _ = verdict(page, previous)
                results[row["file"]]["hint"] = str(hint)
                camera.close()
                print(
                    f"{row['file']}: file {results[row['file']]['file']}, camera "
                    f"{results[row['file']]['camera']} (guide: {hint})",
                    flush=True,
                )
        server.should_exit = True
    n = len(rows)
    for path in ("file", "camera"):
        accepted = sum(r[path] == "pass" for r in results.values())
        print(f"{path:6}: first upload accepted {accepted}/{n} = {accepted / n:.1%}")
    print(f"guide at the shot: {dict(hints)}")


if __name__ == "__main__":
    main()
