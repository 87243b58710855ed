"""With REDIS_URL, webhook deliveries run in `hmsverify worker` processes: a real worker process
(`python -m verifier.queue.worker`, the portal's store factory registering the delivery handler)
delivers the signed event, retrying after the receiver's first failure."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from portal.webhooks import SIGNATURE_HEADER, verify_signature
from tests.api.support import ALL_SCOPES, FAST_JOBS, Receiver, Served, build, free_port, serve
from tests.portal.support import seed_world

pytestmark = [pytest.mark.redis, pytest.mark.slow]
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_served(api_database_url: str, tmp_path: Path) -> Iterator[Served]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.fail("Redis on 127.0.0.1:6379 is required (scripts/services.sh starts it)")
    namespace = f"hmsverify-api-test-{uuid.uuid4().hex[:8]}"
    queue_settings = FAST_JOBS.with_(redis_url=REDIS_URL, namespace=namespace)
    port = free_port()
    data_dir = tmp_path / "data"
    portal = build(api_database_url, data_dir, port, queue_settings=queue_settings)
    world = seed_world(portal, employees=2)
    env = {
        **os.environ,
        "REDIS_URL": REDIS_URL,
        "HMSVERIFY_QUEUE_NAMESPACE": namespace,
        "HMSVERIFY_QUEUE_STORE_FACTORY": "portal.queue_store:make_store",
        "HMSVERIFY_QUEUE_JOB_MIN_BACKOFF_MS": "100",
        "HMSVERIFY_QUEUE_JOB_MAX_BACKOFF_MS": "400",
        "HMSVERIFY_QUEUE_JOB_MAX_RETRIES": "3",
        "DATABASE_URL": api_database_url,
        "HMSVERIFY_DATA_DIR": str(data_dir),
        "HMSVERIFY_CARD_CODE_KEY": portal.settings.card_code_key,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "verifier.queue.worker", "--threads", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for url in serve(portal, port):
            assert portal.queue is not None and portal.queue.embedded is None
            with httpx.Client(base_url=url, timeout=30) as http:
                yield Served(url, portal, world, http)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        portal.engine.dispose()
        keys = list(client.scan_iter(f"{namespace}:*"))
        if keys:
            client.delete(*keys)


def test_a_worker_process_delivers_the_webhook(redis_served: Served, receiver: Receiver) -> None:
    receiver.fail_first = 1
    creds = redis_served.new_client(ALL_SCOPES, webhook=receiver.url)
    assert creds.webhook_secret is not None
    placed = redis_served.http.post(
        "/api/v1/orders",
        json={"employee_id": redis_served.world.employees_a[0]},
        headers=redis_served.bearer(creds),
    )
    assert placed.status_code == 201
    # The worker process loads the models before it takes messages.
    receiver.wait_for(lambda: len(receiver.events()) >= 1, timeout_s=180)
    assert receiver.answered[:2] == [500, 200]
    got = receiver.received[1]
    assert verify_signature(creds.webhook_secret, got.body, got.headers[SIGNATURE_HEADER])
    assert receiver.events()[0]["data"]["order_id"] == placed.json()["id"]  # type: ignore[index]
