"""One message's work, run directly on the real store with the real checks (no broker)."""

from __future__ import annotations

import resource
import sqlite3
from pathlib import Path

import pytest

from tests.queue.support import sparse_gigabyte_file
from verifier.policy import default_policy
from verifier.queue.hooks import register_verdict_hook, unregister_verdict_hook
from verifier.queue.sqlite_store import SqliteUploadStore
from verifier.queue.storage import (
    StorageUnavailable,
    UploadKind,
    UploadStore,
    VerdictRecord,
)
from verifier.queue.verification import record_unfinished, verify_upload
from verifier.verdict import Status

POLICY = default_policy()


def run(store: SqliteUploadStore, upload_id: str, key: str = "m1:0") -> VerdictRecord | None:
    return verify_upload(store, upload_id, delivery_key=key, max_worker_deaths=2)


def test_reference_store_implements_the_protocol(store: SqliteUploadStore) -> None:
    assert isinstance(store, UploadStore)


def test_photo_verdict_is_stored_with_policy_version_and_card_crop(
    store: SqliteUploadStore, portrait_jpeg: bytes
) -> None:
    ref = store.add_upload(portrait_jpeg, religious_headgear_declared=True)
    record = run(store, ref.upload_id)
    assert record is not None
    [stored] = store.verdicts(ref.upload_id)
    assert stored.policy_version == POLICY.version
    assert stored.queue_fault is None
    assert stored.verdict["kind"] == "photo"
    assert stored.status is Status(stored.verdict["status"])
    # The astronaut photo has a face, so the check made the card portrait.
    assert stored.verdict["has_card_crop"] is True
    assert stored.card_crop_jpeg is not None and stored.card_crop_jpeg[:3] == b"\xff\xd8\xff"
    assert store.uploads_without_verdict() == []


def test_running_a_message_twice_stores_one_verdict_and_calls_the_hook_twice(
    store: SqliteUploadStore, portrait_jpeg: bytes
) -> None:
    seen: list[VerdictRecord] = []
    register_verdict_hook(seen.append)
    try:
        ref = store.add_upload(portrait_jpeg)
        first = run(store, ref.upload_id, "m1:0")
        second = run(store, ref.upload_id, "m2:0")
    finally:
        unregister_verdict_hook(seen.append)
    assert len(store.verdicts(ref.upload_id)) == 1
    assert first == second
    assert [r.upload_id for r in seen] == [ref.upload_id, ref.upload_id]


def test_a_missing_upload_is_dropped_without_verdict(store: SqliteUploadStore) -> None:
    assert run(store, "no-such-upload") is None
    assert store.verdict_count() == 0


def test_undecodable_jpeg_is_a_fail_verdict(store: SqliteUploadStore, corrupt_jpeg: bytes) -> None:
    ref = store.add_upload(corrupt_jpeg)
    record = run(store, ref.upload_id)
    assert record is not None and record.status is Status.FAIL
    assert record.verdict["unreadable_code"] in ("corrupt", "truncated")
    assert record.queue_fault is None


def test_decompression_bomb_is_a_fail_verdict(store: SqliteUploadStore, bomb_png: bytes) -> None:
    ref = store.add_upload(bomb_png)
    record = run(store, ref.upload_id)
    assert record is not None and record.status is Status.FAIL
    assert record.verdict["unreadable_code"] in ("decompression_bomb", "too_many_pixels")


def test_one_gigabyte_upload_is_refused_without_reading_it_whole(
    store: SqliteUploadStore, tmp_path: Path, portrait_jpeg: bytes
) -> None:
    path = sparse_gigabyte_file(tmp_path / "huge.jpg", portrait_jpeg[:4096])
    ref = store.add_upload(path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    record = run(store, ref.upload_id)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert record is not None and record.status is Status.FAIL
    assert record.verdict["unreadable_code"] == "file_too_large"
    # Reads stop one byte past the upload limit (15 MB), far from the file's 1 GiB.
    assert grown_mb < 200


def test_a_stored_file_that_vanished_is_a_review_verdict(
    store: SqliteUploadStore, portrait_jpeg: bytes
) -> None:
    ref = store.add_upload(portrait_jpeg)
    (store.files / ref.upload_id).unlink()
    record = run(store, ref.upload_id)
    assert record is not None and record.status is Status.REVIEW
    assert record.queue_fault == "file_missing"


def test_a_delivery_that_killed_its_worker_twice_becomes_review(
    store: SqliteUploadStore, portrait_jpeg: bytes
) -> None:
    ref = store.add_upload(portrait_jpeg)
    # Two earlier starts of this very delivery never finished: their workers died mid-check.
    store.note_check_started(ref.upload_id, "m1:0")
    store.note_check_started(ref.upload_id, "m1:0")
    record = run(store, ref.upload_id, "m1:0")
    assert record is not None and record.status is Status.REVIEW
    assert record.queue_fault == "worker_died"
    assert record.verdict["results"][0]["message_nb"]  # the reviewer is told why, in bokmål too


def test_a_locked_database_is_storage_unavailable_not_a_verdict(
    tmp_path: Path, portrait_jpeg: bytes
) -> None:
    store = SqliteUploadStore(tmp_path / "s", busy_timeout_s=0.1)
    ref = store.add_upload(portrait_jpeg)
    blocker = sqlite3.connect(store.db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageUnavailable):
            run(store, ref.upload_id)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.verdict_count() == 0
    assert run(store, ref.upload_id, "m1:1") is not None


def test_record_unfinished_keeps_a_verdict_that_was_stored(
    store: SqliteUploadStore, portrait_jpeg: bytes
) -> None:
    ref = store.add_upload(portrait_jpeg)
    checked = run(store, ref.upload_id)
    fallback = record_unfinished(store, ref.upload_id, UploadKind.PHOTO, "after 3 retries")
    assert fallback == checked
    assert len(store.verdicts(ref.upload_id)) == 1


def test_recheck_lists_uploads_decided_under_another_policy_version(
    store: SqliteUploadStore, portrait_jpeg: bytes
) -> None:
    old = store.add_upload(portrait_jpeg)
    current = store.add_upload(portrait_jpeg)
    undecided = store.add_upload(portrait_jpeg)
    store.store_verdict(
        VerdictRecord(old.upload_id, UploadKind.PHOTO, "2000.01.01-1", Status.PASS, {})
    )
    run(store, current.upload_id)
    assert [r.upload_id for r in store.uploads_needing_recheck(POLICY.version)] == [old.upload_id]
    assert [r.upload_id for r in store.uploads_without_verdict()] == [undecided.upload_id]
    run(store, old.upload_id)
    assert store.uploads_needing_recheck(POLICY.version) == []
    assert {v.policy_version for v in store.verdicts(old.upload_id)} == {
        "2000.01.01-1",
        POLICY.version,
    }
