"""Load figures for the verification queue (issue: "Verification queue"), printed as a table.

    .venv/bin/python -m bench.queue_load [--redis-url URL] [--size 1200x1600]

Runs real worker processes (`python -m verifier.queue worker`) against Redis under a namespace of
its own, on a throw-away SQLite store, with photos generated from scikit-image's sample images
(astronaut, camera) at the given size. Prints:
- throughput (images/s) with 1 and 2 worker processes;
- queue overhead, enqueue → verdict stored minus the check's own time, p50/p95, with Redis and
  with the embedded broker (one upload at a time, so no waiting behind other work is counted);
- upload → verdict latency of 20 simultaneous interactive uploads (3 rounds) with 2 workers while
  a batch of 500 re-checks runs, p50/p95;
- each worker's RSS after warm-up and after about 1,000 images.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import redis
from skimage import data as skdata

from verifier.policy import default_policy
from verifier.queue.broker import build_broker
from verifier.queue.embedded import open_queue
from verifier.queue.settings import QueueSettings
from verifier.queue.sqlite_store import SqliteUploadStore
from verifier.queue.storage import UploadKind, UploadRef, VerdictRecord
from verifier.queue.verification_queue import VerificationQueue
from verifier.verdict import Status

REPO = Path(__file__).resolve().parents[1]


def generated_photos(size: tuple[int, int], count: int, seed: int = 3) -> list[bytes]:
    """Distinct JPEGs: the two sample portraits, randomly cropped, scaled and re-lit."""
    rng = np.random.default_rng(seed)
    sources = [skdata.astronaut(), cv2.cvtColor(skdata.camera(), cv2.COLOR_GRAY2RGB)]
    photos = []
    for index in range(count):
        source = sources[index % len(sources)]
        h, w = source.shape[:2]
        margin = int(rng.integers(0, 40))
        crop = source[margin : h - margin // 2, margin // 2 : w - margin]
        image = cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC)
        image = cv2.convertScaleAbs(image, alpha=float(rng.uniform(0.85, 1.15)), beta=0)
        ok, encoded = cv2.imencode(
            ".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88]
        )
        assert ok
        photos.append(encoded.tobytes())
    return photos


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def verdict_times(
    store: SqliteUploadStore, upload_ids: Sequence[str]
) -> dict[str, tuple[float, float]]:
    """upload id → (stored_at, the check's own seconds) for those that have a verdict."""
    with sqlite3.connect(store.db_path) as db:
        rows = db.execute(
            "SELECT upload_id, stored_at, json_extract(verdict, '$.timings_ms.total') "
            f"FROM verdicts WHERE upload_id IN ({','.join('?' * len(upload_ids))})",
            list(upload_ids),
        ).fetchall()
    return {r[0]: (float(r[1]), float(r[2] or 0) / 1000) for r in rows}


def wait_verdicts(store: SqliteUploadStore, upload_ids: Sequence[str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    pending = list(upload_ids)
    while pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(pending)} uploads without a verdict")
        done = verdict_times(store, pending[:900])
        pending = [u for u in pending if u not in done]
        if pending:
            time.sleep(0.005)


@dataclass
class Timing:
    enqueued_at: float  # time.time() when the upload was handed to the queue (or stored)
    stored_at: float  # time.time() when the worker stored its verdict
    check_s: float  # the check's own time, from the verdict


class Bench:
    def __init__(self, root: Path, redis_url: str, photos: list[bytes]) -> None:
        self.root = root
        self.photos = photos
        self.store = SqliteUploadStore(root / "store")
        self.settings = QueueSettings(
            redis_url=redis_url,
            namespace=f"hmsverify-bench-{uuid.uuid4().hex[:8]}",
            data_dir=root / "store",
            sweep_interval_s=0,
        )
        self.queue = VerificationQueue(
            build_broker(self.settings, warm_up=False), self.settings, self.store
        )
        self._next_photo = 0

    def photo(self) -> bytes:
        self._next_photo += 1
        return self.photos[self._next_photo % len(self.photos)]

    def stored_at(self, upload_ids: Sequence[str]) -> dict[str, tuple[float, float]]:
        return verdict_times(self.store, upload_ids)

    def wait_verdicts(self, upload_ids: Sequence[str], timeout_s: float = 900) -> None:
        wait_verdicts(self.store, upload_ids, timeout_s)

    def timings(self, sent: dict[str, float]) -> list[Timing]:
        ids = list(sent)
        stored: dict[str, tuple[float, float]] = {}
        for start in range(0, len(ids), 900):
            stored.update(self.stored_at(ids[start : start + 900]))
        return [Timing(sent[u], stored[u][0], stored[u][1]) for u in ids]

    def close(self) -> None:
        self.queue.broker.close()
        client = redis.Redis.from_url(self.settings.redis_url or "")
        keys = list(client.scan_iter(f"{self.settings.namespace}:*", count=1000))
        if keys:
            client.delete(*keys)


class Workers:
    """`python -m verifier.queue worker` as a subprocess; its worker pids come from its log."""

    def __init__(self, bench: Bench, processes: int) -> None:
        self.log_path = bench.root / f"workers-{processes}-{time.monotonic_ns()}.log"
        env = dict(os.environ)
        env.update(
            {
                "PYTHONPATH": str(REPO),
                "GLOG_minloglevel": "2",
                "REDIS_URL": bench.settings.redis_url or "",
                "HMSVERIFY_QUEUE_NAMESPACE": bench.settings.namespace,
                "HMSVERIFY_QUEUE_DATA_DIR": str(bench.settings.data_dir),
                "HMSVERIFY_QUEUE_SWEEP_INTERVAL_S": "0",
            }
        )
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "verifier.queue", "worker", "--processes", str(processes)],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120
        while len(self.pids()) < processes:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"workers did not start; see {self.log_path}")
            time.sleep(0.1)
        time.sleep(0.5)  # the consumers' first polls

    def pids(self) -> list[int]:
        text = self.log_path.read_text(errors="replace")
        return [int(p) for p in re.findall(r"worker process (\d+) ready", text)]

    def rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.pids():
            status = Path(f"/proc/{pid}/status").read_text()
            kb = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
            sizes.append(kb / 1024)
        return sizes

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def throughput(bench: Bench, processes: int, count: int) -> tuple[float, float]:
    """Images per second with this many worker processes, and the mean check time (s)."""
    workers = Workers(bench, processes)
    try:
        refs = [bench.store.add_upload(bench.photo()) for _ in range(count)]
        started = time.time()
        for ref in refs:
            bench.queue.enqueue(ref)
        bench.wait_verdicts([r.upload_id for r in refs])
        timings = bench.timings({r.upload_id: started for r in refs})
        elapsed = max(t.stored_at for t in timings) - started
        return count / elapsed, statistics.mean(t.check_s for t in timings)
    finally:
        workers.stop()


def sequential_overhead(
    store: SqliteUploadStore,
    enqueue: Callable[[UploadRef], object],
    photos: Callable[[], bytes],
    count: int,
) -> list[float]:
    """One upload at a time: enqueue → verdict stored, minus the check's own time (ms)."""
    overheads = []
    for _ in range(count):
        ref = store.add_upload(photos())
        sent = time.time()
        enqueue(ref)
        wait_verdicts(store, [ref.upload_id], 60)
        stored, check_s = verdict_times(store, [ref.upload_id])[ref.upload_id]
        overheads.append((stored - sent - check_s) * 1000)
    return overheads


def redis_overhead(bench: Bench, count: int) -> list[float]:
    workers = Workers(bench, 2)
    try:
        return sequential_overhead(bench.store, bench.queue.enqueue, bench.photo, count)
    finally:
        workers.stop()


def embedded_overhead(bench: Bench, count: int) -> list[float]:
    root = bench.root / "embedded"
    store = SqliteUploadStore(root)
    handle = open_queue(store, QueueSettings(data_dir=root, sweep_interval_s=0))
    try:
        return sequential_overhead(store, handle.queue.enqueue, bench.photo, count)
    finally:
        handle.close()


def interactive_burst(bench: Bench, burst: int) -> dict[str, float]:
    """`burst` uploads stored and enqueued at the same moment from as many threads."""
    sent: dict[str, float] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(burst)
    contents = [bench.photo() for _ in range(burst)]

    def upload(content: bytes) -> None:
        barrier.wait()
        started = time.time()
        ref = bench.store.add_upload(content)  # the portal stores, then enqueues
        bench.queue.enqueue(ref)
        with lock:
            sent[ref.upload_id] = started

    threads = [threading.Thread(target=upload, args=(c,)) for c in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sent


def verdicts_under(store: SqliteUploadStore, upload_ids: Sequence[str], version: str) -> int:
    with sqlite3.connect(store.db_path) as db:
        count = 0
        for start in range(0, len(upload_ids), 900):
            chunk = list(upload_ids[start : start + 900])
            count += db.execute(
                "SELECT COUNT(*) FROM verdicts WHERE policy_version = ? "
                f"AND upload_id IN ({','.join('?' * len(chunk))})",
                [version, *chunk],
            ).fetchone()[0]
    return int(count)


def run_plain(bench: Bench, count: int) -> None:
    refs = [bench.store.add_upload(bench.photo(), interactive=False) for _ in range(count)]
    for ref in refs:
        bench.queue.enqueue(ref)
    bench.wait_verdicts([r.upload_id for r in refs])


def latency_under_batch(
    bench: Bench, batch_size: int, rounds: int, burst: int, rss_target: int
) -> dict[str, object]:
    """Interactive bursts while `batch_size` re-checks run; worker RSS along the way."""
    old_version = "bench-old-policy"
    version = default_policy().version
    batch_refs = [
        bench.store.add_upload(bench.photo(), interactive=False) for _ in range(batch_size)
    ]
    batch_ids = [r.upload_id for r in batch_refs]
    for ref in batch_refs:
        bench.store.store_verdict(
            VerdictRecord(ref.upload_id, UploadKind.PHOTO, old_version, Status.PASS, {})
        )
    workers = Workers(bench, 2)
    try:
        rss_warm = workers.rss_mb()
        run_plain(bench, 200)  # ~100 images per worker
        rss_100 = workers.rss_mb()
        batch_started = time.time()
        queued = bench.queue.recheck()
        assert queued == batch_size, queued
        latencies: list[float] = []
        for _ in range(rounds):
            time.sleep(0.5)
            sent = interactive_burst(bench, burst)
            bench.wait_verdicts(list(sent))
            latencies += [t.stored_at - t.enqueued_at for t in bench.timings(sent)]
        batch_done_during = verdicts_under(bench.store, batch_ids, version)
        while verdicts_under(bench.store, batch_ids, version) < batch_size:
            time.sleep(0.05)
        batch_elapsed = time.time() - batch_started
        processed = 200 + batch_size + rounds * burst
        run_plain(bench, max(0, rss_target * 2 - processed))
        rss_after = workers.rss_mb()
        return {
            "latencies": latencies,
            "batch_done_during": batch_done_during,
            "batch_elapsed": batch_elapsed,
            "rss_warm": rss_warm,
            "rss_100": rss_100,
            "rss_after": rss_after,
            "images_per_worker": max(processed, rss_target * 2) / 2,
        }
    finally:
        workers.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--size", default="1200x1600", help="photo size WxH (default 1200x1600)")
    parser.add_argument("--throughput-images", type=int, default=200)
    parser.add_argument("--overhead-images", type=int, default=100)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--rss-images", type=int, default=1000, help="per worker")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    photos = generated_photos((width, height), 24)
    print(
        f"photos: {len(photos)} generated JPEGs, {width}x{height}, "
        f"{statistics.mean(len(p) for p in photos) / 1e6:.2f} MB on average; "
        f"{os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="queue-bench-") as tmp:
        bench = Bench(Path(tmp), args.redis_url, photos)
        try:
            for processes in (1, 2):
                rate, check_s = throughput(bench, processes, args.throughput_images)
                print(
                    f"throughput, {processes} worker process(es): {rate:.1f} images/s "
                    f"(mean check time {check_s * 1000:.0f} ms)"
                )
            redis_ms = redis_overhead(bench, args.overhead_images)
            print(
                f"queue overhead, Redis: p50 {percentile(redis_ms, 50):.1f} ms, "
                f"p95 {percentile(redis_ms, 95):.1f} ms (n={len(redis_ms)})"
            )
            embedded_ms = embedded_overhead(bench, args.overhead_images)
            print(
                f"queue overhead, embedded: p50 {percentile(embedded_ms, 50):.1f} ms, "
                f"p95 {percentile(embedded_ms, 95):.1f} ms (n={len(embedded_ms)})"
            )
            result = latency_under_batch(
                bench, args.batch, args.rounds, args.burst, args.rss_images
            )
            lat = result["latencies"]
            assert isinstance(lat, list)
            print(
                f"interactive upload → verdict, {args.burst} simultaneous x {args.rounds} rounds, "
                f"2 workers, during a {args.batch}-upload re-check: "
                f"p50 {percentile(lat, 50):.2f} s, p95 {percentile(lat, 95):.2f} s, "
                f"max {max(lat):.2f} s"
            )
            print(
                f"  re-checks finished while the interactive rounds ran: "
                f"{result['batch_done_during']} of {args.batch}; the whole batch took "
                f"{result['batch_elapsed']:.1f} s"
            )
            warm, at_100, after = result["rss_warm"], result["rss_100"], result["rss_after"]
            assert isinstance(warm, list) and isinstance(at_100, list) and isinstance(after, list)
            for index, (mb0, mb100, mb) in enumerate(zip(warm, at_100, after, strict=True)):
                print(
                    f"worker {index + 1} RSS: {mb0:.0f} MB after warm-up, {mb100:.0f} MB after "
                    f"~100 images, {mb:.0f} MB after ~{result['images_per_worker']:.0f} images "
                    f"({(mb / mb0 - 1) * 100:+.1f} % vs warm-up, "
                    f"{(mb / mb100 - 1) * 100:+.1f} % vs ~100 images)"
                )
        finally:
            bench.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
