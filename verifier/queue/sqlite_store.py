"""Reference `UploadStore`: one SQLite file plus the upload files in a directory.

Used by the tests, the benchmark and the embedded CLI. It is safe across threads and processes:
each thread keeps its own connection, the database runs in WAL mode, and a lock that outlasts
the busy timeout becomes StorageUnavailable (retried), never a lost verdict. Files are written to a
temporary name, fsynced and renamed before the row that points at them is committed, so an
enqueued id always has its bytes on disk.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from verifier.queue.storage import (
    StorageUnavailable,
    StoredUpload,
    UploadKind,
    UploadNotFound,
    UploadRef,
    VerdictRecord,
)
from verifier.verdict import Status

_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    interactive INTEGER NOT NULL,
    path TEXT NOT NULL,
    religious_headgear_declared INTEGER NOT NULL DEFAULT 0,
    employee TEXT,
    portrait_upload_id TEXT,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS verdicts (
    upload_id TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    verdict TEXT NOT NULL,
    card_crop BLOB,
    queue_fault TEXT,
    stored_at REAL NOT NULL,
    PRIMARY KEY (upload_id, policy_version)
);
CREATE TABLE IF NOT EXISTS deliveries (
    upload_id TEXT NOT NULL,
    delivery_key TEXT NOT NULL,
    starts INTEGER NOT NULL,
    PRIMARY KEY (upload_id, delivery_key)
);
"""


class SqliteUploadStore:
    """Uploads and verdicts in `<root>/queue.sqlite3`, upload files under `<root>/files/`."""

    def __init__(self, root: Path | str, *, busy_timeout_s: float = 5.0) -> None:
        self.root = Path(root)
        self.files = self.root / "files"
        self.db_path = self.root / "queue.sqlite3"
        self.busy_timeout_s = busy_timeout_s
        self.files.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        # One connection per thread, kept open: closing the last connection to a WAL database
        # checkpoints it with an fsync, which would cost ~20 ms on every call.
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        try:
            if db is None:
                db = sqlite3.connect(
                    self.db_path, timeout=self.busy_timeout_s, isolation_level=None
                )
                self._local.db = db
            # WAL + NORMAL survives a crash of any process but may forget the last commits on
            # power loss: for verdicts and delivery counts that means a re-check (the sweep
            # finds the upload again). Uploads themselves are committed with FULL.
            db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            yield db
        except sqlite3.OperationalError as exc:
            # "database is locked", disk I/O errors: faults that pass; everything else is a bug.
            if db is not None:
                db.close()
                self._local.db = None
            raise StorageUnavailable(str(exc)) from exc

    # The portal's side: storing uploads (the queue itself never adds any).

    def add_upload(
        self,
        content: bytes | Path,
        kind: UploadKind = UploadKind.PHOTO,
        *,
        upload_id: str | None = None,
        interactive: bool = True,
        religious_headgear_declared: bool = False,
        employee: dict[str, Any] | None = None,
        portrait_upload_id: str | None = None,
    ) -> UploadRef:
        """Stores bytes durably (or records an existing file's path); returns the ref to enqueue."""
        upload_id = upload_id or uuid.uuid4().hex
        if isinstance(content, bytes):
            path = self.files / upload_id
            tmp = path.with_suffix(".part")
            with open(tmp, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        else:
            path = Path(content)
        with self._connect(durable=True) as db:
            db.execute(
                "INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    upload_id,
                    str(kind),
                    int(interactive),
                    str(path),
                    int(religious_headgear_declared),
                    json.dumps(employee) if employee is not None else None,
                    portrait_upload_id,
                    time.time(),
                ),
            )
        return UploadRef(upload_id, kind, interactive)

    def verdicts(self, upload_id: str) -> list[VerdictRecord]:
        """Every verdict stored for an upload (tests and the CLI read them)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT upload_id, kind, policy_version, status, verdict, card_crop, queue_fault "
                "FROM verdicts WHERE upload_id = ? ORDER BY stored_at",
                (upload_id,),
            ).fetchall()
        return [
            VerdictRecord(
                upload_id=row[0],
                kind=UploadKind(row[1]),
                policy_version=row[2],
                status=Status(row[3]),
                verdict=json.loads(row[4]),
                card_crop_jpeg=row[5],
                queue_fault=row[6],
            )
            for row in rows
        ]

    def verdict_count(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0])

    # The UploadStore protocol.

    def load_upload(self, upload_id: str) -> StoredUpload:
        with self._connect() as db:
            row = db.execute(
                "SELECT kind, interactive, path, religious_headgear_declared, employee, "
                "portrait_upload_id FROM uploads WHERE upload_id = ?",
                (upload_id,),
            ).fetchone()
        if row is None:
            raise UploadNotFound(upload_id)
        return StoredUpload(
            upload_id=upload_id,
            kind=UploadKind(row[0]),
            content=Path(row[2]),
            interactive=bool(row[1]),
            religious_headgear_declared=bool(row[3]),
            employee=json.loads(row[4]) if row[4] else None,
            portrait_upload_id=row[5],
        )

    def stored_verdict(self, upload_id: str, policy_version: str) -> VerdictRecord | None:
        return next(
            (v for v in self.verdicts(upload_id) if v.policy_version == policy_version), None
        )

    def store_verdict(self, record: VerdictRecord) -> bool:
        with self._connect() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO verdicts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.upload_id,
                    record.policy_version,
                    str(record.kind),
                    str(record.status),
                    json.dumps(record.verdict),
                    record.card_crop_jpeg,
                    record.queue_fault,
                    time.time(),
                ),
            )
            return cursor.rowcount == 1

    def note_check_started(self, upload_id: str, delivery_key: str) -> int:
        with self._connect() as db:
            row = db.execute(
                "INSERT INTO deliveries VALUES (?, ?, 1) ON CONFLICT (upload_id, delivery_key) "
                "DO UPDATE SET starts = starts + 1 RETURNING starts",
                (upload_id, delivery_key),
            ).fetchone()
        return int(row[0]) - 1

    def uploads_without_verdict(self) -> list[UploadRef]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT upload_id, kind, interactive FROM uploads u WHERE NOT EXISTS "
                "(SELECT 1 FROM verdicts v WHERE v.upload_id = u.upload_id) ORDER BY created_at"
            ).fetchall()
        return [UploadRef(r[0], UploadKind(r[1]), bool(r[2])) for r in rows]

    def uploads_needing_recheck(self, policy_version: str) -> list[UploadRef]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT upload_id, kind, interactive FROM uploads u "
                "WHERE EXISTS (SELECT 1 FROM verdicts v WHERE v.upload_id = u.upload_id) "
                "AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.upload_id = u.upload_id "
                "AND v.policy_version = ?) ORDER BY created_at",
                (policy_version,),
            ).fetchall()
        return [UploadRef(r[0], UploadKind(r[1]), bool(r[2])) for r in rows]
