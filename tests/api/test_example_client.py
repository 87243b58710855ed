"""examples/api_order_card.py, run as a program against the served app: it orders a card end to
end; the ID document (no MRZ) goes to review and a reviewer approves it in the portal meanwhile."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import httpx
from skimage import data as skdata

from portal.demo import national_ids
from tests.api.support import ALL_SCOPES, Served
from tests.portal import support as portal_support
from tests.portal.support import jpeg, login

ROOT = Path(__file__).resolve().parents[2]


def _approve_reviews(served: Served, stop: threading.Event) -> None:
    with closing(httpx.Client(base_url=served.url, follow_redirects=False)) as reviewer:
        csrf = login(reviewer, served.world.reviewer)  # type: ignore[arg-type]
        while not stop.is_set():
            queue = reviewer.get("/review").text
            for path in set(re.findall(r'href="(/review/uploads/[0-9a-f]{32})"', queue)):
                reviewer.post(path, data={"csrf_token": csrf, "decision": "approve", "reason": ""})
            time.sleep(0.3)


def test_the_example_client_orders_a_card(served: Served, tmp_path: Path) -> None:
    creds = served.new_client(ALL_SCOPES)
    document = tmp_path / "document.jpg"
    document.write_bytes(jpeg(skdata.coffee()))
    photo = portal_support.IMAGES / "compliant_portrait.jpg"
    # A person the demo registry knows (seeded for company A by the test world).
    nid = served.world.national_ids_a[0]
    assert nid not in national_ids(5, seed=99)
    stop = threading.Event()
    reviewer = threading.Thread(target=_approve_reviews, args=(served, stop), daemon=True)
    reviewer.start()
    try:
        run = subprocess.run(
            [
                sys.executable,
                str(ROOT / "examples" / "api_order_card.py"),
                "--base-url",
                served.url,
                "--client-id",
                creds.client_id,
                "--client-secret",
                creds.secret,
                "--national-id",
                nid,
                "--photo",
                str(photo),
                "--id-document",
                str(document),
                "--timeout",
                "180",
            ],
            capture_output=True,
            text=True,
            timeout=240,
        )
    finally:
        stop.set()
        reviewer.join(timeout=10)
    assert run.returncode == 0, run.stdout + run.stderr
    # The employee existed already (seeded): the 409 told the example its id.
    assert "employee: " in run.stdout
    assert re.search(r"order \d+: approved", run.stdout), run.stdout
    assert re.search(r"card \d{10}: valid, valid until \d{4}-\d{2}-\d{2}", run.stdout)
    assert "upload.checked" in run.stdout and "card.issued" in run.stdout
