"""The storage interface the queue needs: the portal implements it (database + files).

The queue never sees web code and never carries image bytes in messages: an actor gets an
upload id, loads the upload through an `UploadStore`, runs the check and stores the verdict
through the same store. `verifier.queue.sqlite_store.SqliteUploadStore` is the reference
implementation (tests, the embedded CLI); the portal's database store follows the same contract.

Contract, in short:
- `load_upload` raises `UploadNotFound` when no upload has that id (the message is dropped: there
  is nothing to give a verdict to) and `StorageUnavailable` for a fault that may pass (database
  or file server down, lock timeout); only the latter is retried with back-off.
- `store_verdict` is idempotent on (upload_id, policy_version): the first verdict stored wins and
  later calls return False without changing it, so running a message twice stores one verdict.
- Every method may raise `StorageUnavailable`; none may raise it for bad data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from verifier.verdict import Status


class StorageUnavailable(Exception):
    """A transient storage fault (database or file store unreachable, lock timeout).

    The queue retries the message with back-off; implementations must translate their driver's
    connection errors into this exception and nothing else into it.
    """


class UploadNotFound(LookupError):
    """No upload has this id (deleted, or never stored). Not retried."""


class UploadKind(StrEnum):
    PHOTO = "photo"
    ID_DOCUMENT = "id_document"


@dataclass(frozen=True)
class UploadRef:
    """Enough to enqueue an upload: its id, which check it needs, and whether someone waits."""

    upload_id: str
    kind: UploadKind
    # True for share-link uploads (an employee is waiting for feedback): the interactive queue.
    interactive: bool = True


@dataclass(frozen=True)
class StoredUpload:
    """One stored upload and what its check needs besides the file."""

    upload_id: str
    kind: UploadKind
    # The file's bytes, or the path of the stored file (read lazily, never more than a limit).
    content: bytes | Path
    interactive: bool = True
    # Photo option: the employee declared religious headgear (relaxes the head-covering rule).
    religious_headgear_declared: bool = False
    # ID option: the employee record to cross-check, if known: a
    # verifier.id_docs.match.holder.Employee or its to_dict() form.
    employee: Any = None
    # ID option: the portrait upload to face-match the document photo against, if any.
    portrait_upload_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def size(self) -> int:
        if isinstance(self.content, bytes):
            return len(self.content)
        return os.stat(self.content).st_size

    def read(self, limit: int) -> bytes:
        """At most `limit` bytes: a 1 GB upload must never be read whole into memory.

        Raises FileNotFoundError when the stored file has gone (not transient: the queue turns it
        into a `review` verdict); the store raises StorageUnavailable itself for mount faults.
        """
        if isinstance(self.content, bytes):
            return self.content[:limit]
        with open(self.content, "rb") as handle:
            return handle.read(limit)


@dataclass(frozen=True)
class VerdictRecord:
    """What the queue hands the store for one finished upload."""

    upload_id: str
    kind: UploadKind
    policy_version: str
    status: Status
    # The verdict as plain JSON-ready data (PhotoVerdict.to_dict() / IdVerdict.to_dict(), or the
    # queue's own review verdict when the check could not finish).
    verdict: dict[str, Any]
    # The 7:9 card portrait for a photo that produced one (JPEG), else None.
    card_crop_jpeg: bytes | None = None
    # Why the queue, not the check, decided (time limit, retries exhausted, ...), else None.
    queue_fault: str | None = None


@runtime_checkable
class UploadStore(Protocol):
    """Uploads and verdicts as the queue sees them. Implementations must be safe to use from
    several threads and several processes at once (one instance per worker process)."""

    def load_upload(self, upload_id: str) -> StoredUpload:
        """The upload, or UploadNotFound; StorageUnavailable when the store cannot answer."""
        ...

    def stored_verdict(self, upload_id: str, policy_version: str) -> VerdictRecord | None:
        """The verdict already stored under this policy version, if any (a duplicate message
        skips the check and only re-runs the verdict hooks)."""
        ...

    def store_verdict(self, record: VerdictRecord) -> bool:
        """Stores the verdict unless one exists for (upload_id, policy_version).

        Returns True when this call stored it, False when an earlier one had (kept unchanged).
        """
        ...

    def note_check_started(self, upload_id: str, delivery_key: str) -> int:
        """Records that a worker starts checking this delivery of a message; returns how many
        times the same delivery had been started before (0 normally).

        The same delivery starting again means the worker running it died mid-check (killed, out
        of memory, a crash in native decoder code); after a few the queue gives a `review`
        verdict instead of crashing workers forever. Retries get a new delivery key.
        """
        ...

    def uploads_without_verdict(self) -> list[UploadRef]:
        """Uploads that have no verdict under any policy version (the start-up sweep)."""
        ...

    def uploads_needing_recheck(self, policy_version: str) -> list[UploadRef]:
        """Uploads that have a verdict, but none under this policy version (`hmsverify recheck`)."""
        ...
