"""Faults against real Redis with real worker processes (`python -m verifier.queue worker`).

The shared Redis on 127.0.0.1:6379 is used under a key namespace of our own; the restart test
runs its own redis-server on 127.0.0.1:6390 so it never disturbs anyone else's.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests.queue.support import (
    REDIS_URL,
    REPO,
    Workers,
    all_have_one_verdict,
    fast_settings,
    redis_available,
    sparse_gigabyte_file,
    start_workers,
    wait_for,
)
from verifier.queue.broker import build_broker
from verifier.queue.sqlite_store import SqliteUploadStore
from verifier.queue.verification_queue import VerificationQueue
from verifier.verdict import Status

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def flush_namespace(url: str, namespace: str) -> None:
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{namespace}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    if not redis_available(REDIS_URL):
        subprocess.run([str(REPO / "scripts" / "services.sh")], check=False)
    namespace = f"hmsverify-test-{uuid.uuid4().hex[:10]}"
    settings = fast_settings(
        redis_url=REDIS_URL, namespace=namespace, max_retries=8, sqlite_busy_timeout_s=0.05
    )
    running = start_workers(settings, tmp_path_factory.mktemp("redis-workers"), processes=2)
    yield running
    running.stop()
    flush_namespace(REDIS_URL, namespace)


def test_poison_inputs_get_verdicts_and_the_workers_stay_up(
    workers: Workers,
    tmp_path: Path,
    corrupt_jpeg: bytes,
    bomb_png: bytes,
    portrait_jpeg: bytes,
) -> None:
    store = workers.store
    ready_before = workers.ready_pids()
    huge = sparse_gigabyte_file(tmp_path / "huge.jpg", portrait_jpeg[:4096])
    poison = [store.add_upload(corrupt_jpeg), store.add_upload(bomb_png), store.add_upload(huge)]
    for ref in poison:
        workers.queue.enqueue(ref)
    wait_for(lambda: all_have_one_verdict(store, poison), 30, "poison verdicts")
    codes = [store.verdicts(r.upload_id)[0].verdict["unreadable_code"] for r in poison]
    assert codes[0] in ("corrupt", "truncated")
    assert codes[1] in ("decompression_bomb", "too_many_pixels")
    assert codes[2] == "file_too_large"
    assert all(store.verdicts(r.upload_id)[0].status is Status.FAIL for r in poison)
    # The same workers go on to check a good photo: none died, none was restarted.
    after = store.add_upload(portrait_jpeg)
    workers.queue.enqueue(after)
    wait_for(lambda: all_have_one_verdict(store, [after]), 20, "verdict after poison")
    assert workers.ready_pids() == ready_before
    assert "exited with" not in workers.log()


def test_storage_unavailable_for_a_while_is_retried_through_redis(
    workers: Workers, portrait_jpeg: bytes
) -> None:
    import sqlite3

    store = workers.store
    ref = store.add_upload(portrait_jpeg)
    blocker = sqlite3.connect(store.db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        workers.queue.enqueue(ref)
        time.sleep(1.5)
        assert store.verdicts(ref.upload_id) == []
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    wait_for(lambda: all_have_one_verdict(store, [ref]), 20, "verdict after the outage")
    assert store.verdicts(ref.upload_id)[0].queue_fault is None
    assert "Retrying message" in workers.log()


def test_worker_killed_mid_message_is_redelivered_with_one_verdict(
    workers: Workers, slow_jpeg: bytes
) -> None:
    store = workers.store
    ref = store.add_upload(slow_jpeg)
    workers.queue.enqueue(ref)
    wait_for(lambda: bool(workers.checking_pids(ref.upload_id)), 20, "a worker to start")
    [victim] = workers.checking_pids(ref.upload_id)
    os.kill(victim, signal.SIGKILL)
    assert store.verdicts(ref.upload_id) == [], "the check finished before the kill"
    wait_for(lambda: all_have_one_verdict(store, [ref]), 30, "the redelivered verdict")
    checkers = workers.checking_pids(ref.upload_id)
    assert checkers[0] == victim and len(checkers) == 2 and checkers[1] != victim
    [record] = store.verdicts(ref.upload_id)
    assert record.queue_fault is None  # the real check ran to the end on the other worker
    # The supervisor replaced the killed process.
    wait_for(lambda: len(workers.ready_pids()) >= 3, 30, "the replacement worker")
    time.sleep(0.5)
    assert len(store.verdicts(ref.upload_id)) == 1


@dataclass
class OwnRedis:
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: redis_available(self.url), 10, f"redis on port {self.port}")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def own_redis(missing_service: Callable[[str], None]) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        missing_service("redis-server is not installed (Debian package redis-server)")
    server = OwnRedis(6390)
    server.start()
    yield server
    server.kill()


def test_redis_restart_loses_no_upload(
    own_redis: OwnRedis, tmp_path: Path, portrait_jpeg: bytes, slow_jpeg: bytes
) -> None:
    settings = fast_settings(redis_url=own_redis.url, namespace="hmsverify-restart-test")
    store = SqliteUploadStore(tmp_path / "store")
    client_queue = VerificationQueue(build_broker(settings, warm_up=False), settings, store)
    # 1. Queued while no worker runs, then Redis restarts: the messages are gone.
    early = [store.add_upload(portrait_jpeg) for _ in range(3)]
    for ref in early:
        client_queue.enqueue(ref)
    assert client_queue.live_upload_ids() == {r.upload_id for r in early}
    own_redis.kill()
    own_redis.start()
    assert client_queue.live_upload_ids() == set()
    client_queue.broker.close()
    # Workers start: the start-up sweep finds the uploads without a verdict.
    workers = start_workers(settings, tmp_path, processes=1)
    try:
        wait_for(lambda: all_have_one_verdict(store, early), 30, "verdicts after start-up sweep")
        # 2. Redis restarts under running workers with a backlog queued.
        backlog = [store.add_upload(slow_jpeg) for _ in range(5)]
        for ref in backlog:
            workers.queue.enqueue(ref)
        wait_for(lambda: any(store.verdicts(r.upload_id) for r in backlog), 30, "first verdict")
        own_redis.kill()
        own_redis.start()
        wait_for(lambda: all_have_one_verdict(store, backlog), 60, "verdicts after the restart")
        swept = re.findall(r"sweep \(the broker lost its messages\): (\d+)", workers.log())
        assert swept and int(swept[0]) >= 1, "the restart should have lost queued messages"
        time.sleep(0.5)
        assert all_have_one_verdict(store, early + backlog)
    finally:
        workers.stop()
