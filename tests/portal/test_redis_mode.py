"""With REDIS_URL the portal only enqueues; a dramatiq worker (here a thread on the same Redis
broker, in production `hmsverify worker` processes loading `portal.verification:store_from_env`)
checks the upload through the portal's database store and the verdict reaches the employee."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from dramatiq import Worker
from fastapi.testclient import TestClient
from skimage import data as skdata

from portal.app import create_app
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
from verifier.queue.settings import QueueSettings

pytestmark = [pytest.mark.redis, pytest.mark.slow]
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_portal(database_url: str, tmp_path: Path) -> Iterator[Portal]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.fail("Redis on 127.0.0.1:6379 is required (scripts/services.sh starts it)")
    namespace = f"hmsverify-portal-test-{uuid.uuid4().hex[:8]}"
    queue_settings = QueueSettings(redis_url=REDIS_URL, namespace=namespace)
    portal = build_portal(
        make_settings(database_url, tmp_path / "data"), migrate=False, queue_settings=queue_settings
    )
    yield portal
    portal.engine.dispose()
    keys = list(client.scan_iter(f"{namespace}:*"))
    if keys:
        client.delete(*keys)


def test_upload_is_checked_by_a_redis_worker(redis_portal: Portal, tmp_path: Path) -> None:
    world: World = seed_world(redis_portal)
    with TestClient(
        create_app(redis_portal), base_url="http://testserver", follow_redirects=False
    ) as client:
        handle = redis_portal.queue
        assert handle is not None and handle.embedded is None  # a client only: no threads here
        worker = Worker(handle.queue.broker, worker_threads=1, worker_timeout=100)
        worker.start()
        try:
            csrf = login(client, world.orderer_a)
            link = share_link(client, csrf, place_order(client, csrf, world.employees_a[0]))
            status, fragment = upload(client, link, "photo", jpeg(skdata.coffee()))
            assert status == 200
            result = wait_for_verdict(client, link, fragment)
            assert 'data-state="fail"' in result and 'data-rule="face_present"' in result
            assert re.search(r'id="upload-[0-9a-f]{32}"', result)
        finally:
            worker.stop(timeout=10_000)
