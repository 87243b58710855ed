"""Helpers for the queue tests: real images, Redis namespaces, settings that fail fast, worker
processes. The fixtures built from them are in conftest.py."""

from __future__ import annotations

import io
import os
import re
import signal
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import redis
from PIL import Image

from verifier.queue.broker import build_broker
from verifier.queue.settings import QueueSettings
from verifier.queue.sqlite_store import SqliteUploadStore
from verifier.queue.storage import UploadRef
from verifier.queue.verification_queue import VerificationQueue

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
REDIS_URL = "redis://127.0.0.1:6379/0"


def jpeg(rgb: np.ndarray, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def sparse_gigabyte_file(path: Path, head: bytes) -> Path:
    """A 1 GiB upload that takes no disk space: a real JPEG's first bytes, then a hole."""
    with open(path, "wb") as handle:
        handle.write(head)
        handle.truncate(1 << 30)
    return path


@dataclass
class RedisNamespace:
    url: str
    namespace: str
    client: redis.Redis

    def flush(self) -> None:
        keys = list(self.client.scan_iter(f"{self.namespace}:*", count=1000))
        if keys:
            self.client.delete(*keys)


def redis_available(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def fast_settings(**changes: object) -> QueueSettings:
    """Settings that make faults show within seconds (tests only)."""
    base = QueueSettings(
        min_backoff_ms=100,
        max_backoff_ms=400,
        max_retries=3,
        fallback_max_retries=50,
        heartbeat_timeout_ms=2_000,
        maintenance_chance=1_000_000,
        broker_check_interval_s=0.3,
        sweep_interval_s=0,
    )
    return base.with_(**changes)


def settings_env(settings: QueueSettings, store_root: Path) -> dict[str, str]:
    """The environment a worker process needs to run with these settings on this store."""
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.pop("RABBITMQ_URL", None)
    env["PYTHONPATH"] = str(REPO)
    env["PYTHONUNBUFFERED"] = "1"
    env["GLOG_minloglevel"] = "2"  # mediapipe's start-up chatter
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    if settings.rabbitmq_url:
        env["RABBITMQ_URL"] = settings.rabbitmq_url
    env["HMSVERIFY_QUEUE_DATA_DIR"] = str(store_root)
    for name in (
        "namespace",
        "min_backoff_ms",
        "max_backoff_ms",
        "max_retries",
        "heartbeat_timeout_ms",
        "maintenance_chance",
        "broker_check_interval_s",
        "sweep_interval_s",
        "time_limit_ms",
        "time_limit_interval_ms",
        "max_worker_deaths",
        "sqlite_busy_timeout_s",
    ):
        env[f"HMSVERIFY_QUEUE_{name.upper()}"] = str(getattr(settings, name))
    return env


def wait_for(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def all_have_one_verdict(store: SqliteUploadStore, refs: list[UploadRef]) -> bool:
    return all(len(store.verdicts(r.upload_id)) == 1 for r in refs)


@dataclass
class Workers:
    """A supervisor with its worker processes, the store they share, and their log."""

    store: SqliteUploadStore
    queue: VerificationQueue
    supervisor: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def ready_pids(self) -> list[int]:
        return [int(p) for p in re.findall(r"worker process (\d+) ready", self.log())]

    def checking_pids(self, upload_id: str) -> list[int]:
        pattern = rf"\d (\d+) verifier\.queue\.verification INFO upload {upload_id}: checking"
        return [int(p) for p in re.findall(pattern, self.log())]

    def stop(self) -> None:
        if self.supervisor.poll() is None:
            self.supervisor.send_signal(signal.SIGTERM)
            try:
                self.supervisor.wait(40)
            except subprocess.TimeoutExpired:
                self.supervisor.kill()
                self.supervisor.wait()
        self.queue.broker.close()


def start_workers(settings: QueueSettings, root: Path, processes: int) -> Workers:
    store = SqliteUploadStore(root / "store", busy_timeout_s=settings.sqlite_busy_timeout_s)
    queue = VerificationQueue(build_broker(settings, warm_up=False), settings, store)
    log_path = root / "workers.log"
    with open(log_path, "wb") as log:
        supervisor = subprocess.Popen(
            [PYTHON, "-m", "verifier.queue", "worker", "--processes", str(processes)],
            cwd=REPO,
            env=settings_env(settings, root / "store"),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    workers = Workers(store, queue, supervisor, log_path)
    wait_for(lambda: len(workers.ready_pids()) >= processes, 60, "worker processes ready")
    return workers
