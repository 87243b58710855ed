"""The embedded mode: the real actors on dramatiq's in-process broker, with worker threads."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2

from tests.queue.support import all_have_one_verdict, fast_settings, wait_for
from verifier.policy import default_policy
from verifier.queue.embedded import QueueHandle, open_queue
from verifier.queue.settings import QueueSettings
from verifier.queue.sqlite_store import SqliteUploadStore
from verifier.queue.storage import UploadKind, UploadRef, VerdictRecord
from verifier.verdict import Status


@contextmanager
def embedded(store: SqliteUploadStore, settings: QueueSettings) -> Iterator[QueueHandle]:
    assert settings.redis_url is None and settings.rabbitmq_url is None
    handle = open_queue(store, settings)
    try:
        yield handle
    finally:
        handle.close()


@contextmanager
def database_locked(store: SqliteUploadStore, seconds: float) -> Iterator[threading.Thread]:
    """Another process-like connection holds the write lock: every write times out meanwhile."""
    blocker = sqlite3.connect(store.db_path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN EXCLUSIVE")

    def release() -> None:
        time.sleep(seconds)
        blocker.execute("ROLLBACK")
        blocker.close()

    thread = threading.Thread(target=release)
    thread.start()
    try:
        yield thread
    finally:
        thread.join()


def test_verdicts_for_enqueued_uploads_and_start_up_sweep(
    store: SqliteUploadStore, portrait_jpeg: bytes, corrupt_jpeg: bytes
) -> None:
    # Stored while no worker ran (the portal was restarted): only the sweep can find it.
    pending = store.add_upload(portrait_jpeg)
    with embedded(store, fast_settings()) as handle:
        refs = [store.add_upload(portrait_jpeg) for _ in range(3)]
        refs.append(store.add_upload(corrupt_jpeg, interactive=False))
        for ref in refs:
            handle.queue.enqueue(ref)
        wait_for(lambda: all_have_one_verdict(store, [pending, *refs]), 30, "all verdicts")
    assert store.verdicts(refs[-1].upload_id)[0].verdict["unreadable_code"] in (
        "corrupt",
        "truncated",
    )
    assert store.uploads_without_verdict() == []


def test_interactive_upload_is_not_stuck_behind_a_batch_backlog(
    store: SqliteUploadStore, slow_jpeg: bytes, portrait_jpeg: bytes
) -> None:
    with embedded(store, fast_settings()) as handle:
        batch = [store.add_upload(slow_jpeg, interactive=False) for _ in range(8)]
        for ref in batch:
            handle.queue.enqueue(ref)
        time.sleep(0.2)  # the batch thread is busy now, seven more waiting
        interactive = store.add_upload(portrait_jpeg)
        sent = time.monotonic()
        handle.queue.enqueue(interactive)
        wait_for(lambda: all_have_one_verdict(store, [interactive]), 20, "interactive verdict")
        latency = time.monotonic() - sent
        batch_done = sum(len(store.verdicts(r.upload_id)) for r in batch)
        wait_for(lambda: all_have_one_verdict(store, batch), 60, "batch verdicts")
    assert batch_done <= 3, f"interactive waited for {batch_done} batch checks"
    assert latency < 3.0


def test_storage_unavailable_for_a_while_is_retried_then_verdict(
    tmp_path: Path, portrait_jpeg: bytes
) -> None:
    store = SqliteUploadStore(tmp_path / "s", busy_timeout_s=0.05)
    with embedded(store, fast_settings(max_retries=8)) as handle:
        ref = store.add_upload(portrait_jpeg)
        with database_locked(store, 0.8):
            handle.queue.enqueue(ref)
            time.sleep(0.4)
            assert store.verdicts(ref.upload_id) == []  # (readers still see the database)
        wait_for(lambda: all_have_one_verdict(store, [ref]), 20, "verdict after the outage")
    [record] = store.verdicts(ref.upload_id)
    assert record.queue_fault is None  # the real check's verdict, not a fallback


def test_storage_down_past_the_retries_ends_in_review_with_the_reason(
    tmp_path: Path, portrait_jpeg: bytes
) -> None:
    store = SqliteUploadStore(tmp_path / "s", busy_timeout_s=0.05)
    with embedded(store, fast_settings(max_retries=2)) as handle:
        ref = store.add_upload(portrait_jpeg)
        with database_locked(store, 2.0):
            handle.queue.enqueue(ref)
        wait_for(lambda: all_have_one_verdict(store, [ref]), 20, "fallback verdict")
    [record] = store.verdicts(ref.upload_id)
    assert record.status is Status.REVIEW
    assert record.queue_fault == "retries_exhausted"
    assert "StorageUnavailable" in record.verdict["results"][0]["details"]["detail"]


def test_time_limit_ends_in_review(store: SqliteUploadStore, slow_jpeg: bytes) -> None:
    settings = fast_settings(time_limit_ms=100, time_limit_interval_ms=20)
    with embedded(store, settings) as handle:
        ref = store.add_upload(slow_jpeg)
        handle.queue.enqueue(ref)
        wait_for(lambda: all_have_one_verdict(store, [ref]), 20, "time-limit verdict")
    [record] = store.verdicts(ref.upload_id)
    assert record.status is Status.REVIEW
    assert record.queue_fault == "time_limit"


def test_recheck_requeues_uploads_decided_under_an_older_policy(
    store: SqliteUploadStore, portrait_jpeg: bytes
) -> None:
    refs: list[UploadRef] = [store.add_upload(portrait_jpeg) for _ in range(3)]
    for ref in refs:
        store.store_verdict(
            VerdictRecord(ref.upload_id, UploadKind.PHOTO, "2000.01.01-1", Status.PASS, {})
        )
    with embedded(store, fast_settings()) as handle:
        assert handle.queue.recheck() == 3
        version = default_policy().version
        wait_for(
            lambda: all(store.stored_verdict(r.upload_id, version) for r in refs), 30, "rechecks"
        )
        assert handle.queue.recheck() == 0
    for ref in refs:
        assert len(store.verdicts(ref.upload_id)) == 2


def test_identity_document_is_checked_with_employee_and_portrait(
    store: SqliteUploadStore, portrait_jpeg: bytes, corrupt_jpeg: bytes
) -> None:
    from verifier.id_docs.mrz.synthetic import make_td3_page

    document = make_td3_page(seed=11)
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(document.rgb, cv2.COLOR_RGB2BGR))
    assert ok
    portrait = store.add_upload(portrait_jpeg)
    employee = {"national_id": "01017012345", "surname": "Nordmann", "given_names": "Kari"}
    with embedded(store, fast_settings()) as handle:
        refs = [
            store.add_upload(
                encoded.tobytes(),
                UploadKind.ID_DOCUMENT,
                employee=employee,
                portrait_upload_id=portrait.upload_id,
            ),
            store.add_upload(corrupt_jpeg, UploadKind.ID_DOCUMENT, interactive=False),
        ]
        for ref in refs:
            handle.queue.enqueue(ref)
        wait_for(lambda: all_have_one_verdict(store, refs), 60, "document verdicts")
    [document_verdict] = store.verdicts(refs[0].upload_id)
    assert document_verdict.kind is UploadKind.ID_DOCUMENT
    assert document_verdict.queue_fault is None
    checks = {c["rule"] for c in document_verdict.verdict["results"]}
    assert "face_match" in checks  # the portrait upload reached the check
    assert document_verdict.verdict["mrz_lines"] == document.lines
    assert "employee_national_id" in checks  # so did the employee record
    [unreadable] = store.verdicts(refs[1].upload_id)
    assert unreadable.status is Status.FAIL
    assert unreadable.verdict["unreadable_code"] in ("corrupt", "truncated")
