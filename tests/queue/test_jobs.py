"""Jobs on the `notifications` queue (verifier/queue/jobs.py) in the embedded mode: the handler
registered for the kind runs; `RetryLater` retries it with back-off, the last try is marked;
a kind nobody handles is retried, never dropped silently."""

from __future__ import annotations

import itertools
import threading
import time

from tests.queue.support import fast_settings, wait_for
from verifier.queue.embedded import open_queue
from verifier.queue.jobs import JobAttempt, RetryLater, register_job_handler, unregister_job_handler
from verifier.queue.sqlite_store import SqliteUploadStore


def test_a_job_is_retried_with_back_off_until_it_succeeds(store: SqliteUploadStore) -> None:
    settings = fast_settings(job_max_retries=3, job_min_backoff_ms=100, job_max_backoff_ms=400)
    tries: list[tuple[str, JobAttempt, float]] = []
    lock = threading.Lock()

    def handler(key: str, attempt: JobAttempt) -> None:
        with lock:
            tries.append((key, attempt, time.monotonic()))
        if attempt.number < 3:
            raise RetryLater("receiver down")

    register_job_handler("test-succeeds", handler)
    handle = open_queue(store, settings)
    try:
        handle.queue.enqueue_job("test-succeeds", "k1")
        wait_for(lambda: len(tries) >= 3, 30, "three tries")
        time.sleep(0.5)  # no fourth try after the success
    finally:
        handle.close()
        unregister_job_handler("test-succeeds", handler)
    assert [(k, a.number, a.last) for k, a, _ in tries] == [
        ("k1", 1, False),
        ("k1", 2, False),
        ("k1", 3, False),
    ]
    gaps = [b[2] - a[2] for a, b in itertools.pairwise(tries)]
    assert all(gap >= 0.09 for gap in gaps), gaps


def test_the_last_try_is_marked_and_nothing_follows_it(store: SqliteUploadStore) -> None:
    settings = fast_settings(job_max_retries=2, job_min_backoff_ms=50, job_max_backoff_ms=100)
    attempts: list[JobAttempt] = []

    def handler(key: str, attempt: JobAttempt) -> None:
        attempts.append(attempt)
        raise RetryLater("always down")

    register_job_handler("test-fails", handler)
    handle = open_queue(store, settings)
    try:
        handle.queue.enqueue_job("test-fails", "k2")
        wait_for(lambda: len(attempts) >= 3, 30, "three tries")
        time.sleep(0.6)
    finally:
        handle.close()
        unregister_job_handler("test-fails", handler)
    assert [(a.number, a.last) for a in attempts] == [(1, False), (2, False), (3, True)]
