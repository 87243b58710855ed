"""`hmsverify demo` end to end (a real process), and the temporary card's QR code."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pytest

from portal.card_codes import card_code, card_number_in_qr, qr_content, status_url
from portal.card_pdf import qr_png, temporary_card_pdf

ROOT = Path(__file__).resolve().parents[2]


def test_qr_code_opens_the_status_lookup_and_carries_the_cards_code() -> None:
    url = status_url("https://hms-kort.example.no/", "1646010510")
    assert url == "https://hms-kort.example.no/status?card=1646010510"
    content = qr_content("https://hms-kort.example.no/", "1646010510", "key-one")
    assert content.startswith(url + "&code=")
    image = cv2.imdecode(np.frombuffer(qr_png(content), np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert decoded == content
    # What the camera read back is accepted under the key it was made with, and nothing else.
    assert card_number_in_qr(decoded, "key-one") == "1646010510"
    assert card_number_in_qr(decoded, "key-two") is None


def test_a_qr_content_built_from_a_card_number_alone_is_refused() -> None:
    """The card number is public (printed, and shown by the status page); only the portal's
    key makes a code that unlocks the holder's name."""
    number = "1646010510"
    plain = status_url("https://hms-kort.example.no", number)
    assert card_number_in_qr(plain, "key") is None
    forged = f"{plain}&code={card_code('another-key', number)}"
    assert card_number_in_qr(forged, "key") is None
    other_card = qr_content("https://hms-kort.example.no", "1646010511", "key")
    swapped = other_card.replace("1646010511", number)
    assert card_number_in_qr(swapped, "key") is None
    assert card_number_in_qr(number, "key") is None
    assert card_number_in_qr("https://evil.example/x?card=1&code=abc", "key") is None


def test_temporary_card_pdf_without_and_with_portrait() -> None:
    ok, portrait = cv2.imencode(".jpg", np.full((531, 413, 3), 180, np.uint8))
    assert ok
    for photo in (None, portrait.tobytes()):
        pdf = temporary_card_pdf(
            name="Sara Prøvesen",
            company="Blank Renhold AS",
            card_number="1646010510",
            expires=dt.date(2028, 11, 27),
            portrait_jpeg=photo,
            status_link="http://x/status?card=1",
            qr_content="http://x/status?card=1&code=abc",
        )
        assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")


@pytest.mark.slow
def test_demo_command_creates_the_database_and_serves(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SMTP_HOST")
    }
    env.update(HMSVERIFY_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = ""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/login", timeout=2
                ) as response:
                    assert response.status == 200
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise AssertionError("the demo server did not answer")
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert f"http://127.0.0.1:{port}" in output
    assert "ola.bestiller@example.no / demo-passord-1" in output
    assert (tmp_path / "data" / "portal.sqlite3").exists()


def test_sweep_as_of_a_date_cancels_a_stale_order(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """`hmsverify sweep --as-of DATE`: the demo's way to try the 20-day and expiry rules."""
    import shutil

    from sqlalchemy import select

    from portal.cli import main
    from portal.lifecycle import Context, place_order
    from portal.models import Employee, Order, OrderStatus, User
    from portal.registry import DemoRegistry
    from portal.state import build_portal
    from tests.portal.support import make_settings, seed_world

    db = tmp_path / "portal.sqlite3"
    shutil.copy(sqlite_template, db)
    portal = build_portal(make_settings(f"sqlite:///{db}", tmp_path / "data"), migrate=False)
    world = seed_world(portal)
    placed = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    with portal.sessions() as session:
        ctx = Context(session, portal.settings, portal.files, DemoRegistry(session), placed, "t")
        employee = session.get(Employee, world.employees_a[0])
        orderer = session.scalars(select(User).where(User.email == world.orderer_a)).one()
        assert employee is not None
        order_id = place_order(ctx, employee, orderer).id
        session.commit()
    portal.engine.dispose()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("HMSVERIFY_DATA_DIR", str(tmp_path / "data"))
    assert main(["sweep", "--as-of", "2026-03-20"]) == 0
    assert "cancelled 0" in capsys.readouterr().out
    assert main(["sweep", "--as-of", "2026-03-21T09:01"]) == 0
    assert "cancelled 1" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["sweep", "--as-of", "next tuesday"])
    again = build_portal(make_settings(f"sqlite:///{db}", tmp_path / "data"), migrate=False)
    with again.sessions() as session:
        order = session.get(Order, order_id)
        assert order is not None and order.status == OrderStatus.CANCELLED
    again.engine.dispose()
