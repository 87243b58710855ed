"""Issue 14.3: with REDIS_URL set and Redis down, an upload still succeeds for the employee: it
is stored, the page says the check is delayed, and the check runs once the broker is back (the
worker's start-up sweep queues every upload without a verdict). A check nobody answers for a
while says so instead of "a few seconds" forever."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from dramatiq import Worker
from fastapi.testclient import TestClient
from skimage import data as skdata

from portal.app import create_app
from portal.clock import utcnow
from portal.models import Upload, UploadState
from portal.state import Portal, build_portal
from tests.portal.support import (
    World,
    jpeg,
    login,
    make_settings,
    place_order,
    seed_world,
    share_link,
    upload,
    wait_for_verdict,
)
from tests.security.support import free_port
from verifier.queue.settings import QueueSettings

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def outage_portal(database_url: str, tmp_path: Path) -> Iterator[tuple[Portal, int]]:
    port = free_port()  # nothing listens here until the test starts Redis on it
    queue_settings = QueueSettings(
        redis_url=f"redis://127.0.0.1:{port}/0",
        namespace=f"hmsverify-outage-{uuid.uuid4().hex[:8]}",
    )
    portal = build_portal(
        make_settings(database_url, tmp_path / "data"), migrate=False, queue_settings=queue_settings
    )
    yield portal, port
    portal.engine.dispose()


def start_redis(port: int, directory: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)


def test_an_upload_during_a_redis_outage_is_kept_and_checked_later(
    outage_portal: tuple[Portal, int], tmp_path: Path
) -> None:
    portal, port = outage_portal
    world: World = seed_world(portal)
    with TestClient(
        create_app(portal), base_url="http://testserver", follow_redirects=False
    ) as client:
        csrf = login(client, world.orderer_a)
        link = share_link(client, csrf, place_order(client, csrf, world.employees_a[0]))
        status, fragment = upload(client, link, "photo", jpeg(skdata.coffee()))
        assert status == 200, fragment  # not a bare 500
        upload_id = re.search(r'id="upload-([0-9a-f]{32})"', fragment)
        assert upload_id, fragment
        assert 'data-delayed="true"' in fragment and "forsinket" in fragment
        assert 'data-poll="' in fragment  # the page keeps asking
        with portal.sessions() as session:
            stored = session.get(Upload, upload_id.group(1))
            assert stored is not None and stored.state == UploadState.QUEUED

        # The broker comes back; a worker starts and sweeps, as `hmsverify worker` does.
        server = start_redis(port, tmp_path)
        try:
            handle = portal.queue
            assert handle is not None
            worker = Worker(handle.queue.broker, worker_threads=1, worker_timeout=100)
            worker.start()
            try:
                assert handle.queue.sweep() == 1
                result = wait_for_verdict(client, link, fragment)
                assert 'data-state="fail"' in result and 'data-rule="face_present"' in result
            finally:
                worker.stop(timeout=10_000)
        finally:
            server.terminate()
            server.wait(timeout=10)


def test_a_check_nobody_answers_says_it_is_delayed(
    outage_portal: tuple[Portal, int], tmp_path: Path
) -> None:
    portal, port = outage_portal
    world: World = seed_world(portal)
    server = start_redis(port, tmp_path)  # the broker is up, but no worker runs
    try:
        with TestClient(
            create_app(portal), base_url="http://testserver", follow_redirects=False
        ) as client:
            csrf = login(client, world.orderer_a)
            link = share_link(client, csrf, place_order(client, csrf, world.employees_a[0]))
            status, fragment = upload(client, link, "photo", jpeg(skdata.coffee()))
            assert status == 200
            assert 'data-delayed="true"' not in fragment  # queued normally
            poll = re.search(r'data-poll="([^"]+)"', fragment)
            assert poll
            assert 'data-delayed="true"' not in client.get(poll.group(1)).text
            later = utcnow() + dt.timedelta(seconds=portal.settings.check_late_after_s + 1)
            portal.clock = lambda: later
            waiting = client.get(poll.group(1)).text
            assert 'data-delayed="true"' in waiting and 'data-state="queued"' in waiting
            assert 'data-delayed="true"' in client.get(link).text
            portal.clock = utcnow
    finally:
        server.terminate()
        server.wait(timeout=10)
