"""Runs the checks as dramatiq actors (Redis in production, in-process by default).

The public API, for the portal and the worker processes; the other modules are internal:

- the storage contract a caller implements: `UploadStore`, with `StoredUpload`, `UploadRef`,
  `UploadKind`, `VerdictRecord`, and the two faults `UploadNotFound` and `StorageUnavailable`;
- running the queue: `open_queue` → `QueueHandle` (in-process workers, or enqueue-only with a
  broker), `QueueSettings` (read from the environment), `VerificationQueue` (enqueue, sweep,
  re-check on one broker);
- hearing about verdicts: `register_verdict_hook` / `unregister_verdict_hook`;
- jobs besides the checks (the `notifications` queue): `register_job_handler` /
  `unregister_job_handler`, a handler taking the key and a `JobAttempt`, raising `RetryLater`.

Names are imported on first use, so reading the storage contract does not load dramatiq.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from verifier.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from verifier.queue.embedded import QueueHandle, open_queue
    from verifier.queue.hooks import VerdictHook, register_verdict_hook, unregister_verdict_hook
    from verifier.queue.jobs import (
        JobAttempt,
        RetryLater,
        register_job_handler,
        unregister_job_handler,
    )
    from verifier.queue.settings import BrokerKind, QueueSettings
    from verifier.queue.storage import (
        StorageUnavailable,
        StoredUpload,
        UploadKind,
        UploadNotFound,
        UploadRef,
        UploadStore,
        VerdictRecord,
    )
    from verifier.queue.verification_queue import VerificationQueue

# Each public name and the module that defines it.
_HOMES: dict[str, str] = {
    "QueueHandle": "verifier.queue.embedded",
    "open_queue": "verifier.queue.embedded",
    "VerdictHook": "verifier.queue.hooks",
    "register_verdict_hook": "verifier.queue.hooks",
    "unregister_verdict_hook": "verifier.queue.hooks",
    "JobAttempt": "verifier.queue.jobs",
    "RetryLater": "verifier.queue.jobs",
    "register_job_handler": "verifier.queue.jobs",
    "unregister_job_handler": "verifier.queue.jobs",
    "BrokerKind": "verifier.queue.settings",
    "QueueSettings": "verifier.queue.settings",
    "StorageUnavailable": "verifier.queue.storage",
    "StoredUpload": "verifier.queue.storage",
    "UploadKind": "verifier.queue.storage",
    "UploadNotFound": "verifier.queue.storage",
    "UploadRef": "verifier.queue.storage",
    "UploadStore": "verifier.queue.storage",
    "VerdictRecord": "verifier.queue.storage",
    "VerificationQueue": "verifier.queue.verification_queue",
}

__all__ = [
    "BrokerKind",
    "JobAttempt",
    "QueueHandle",
    "QueueSettings",
    "RetryLater",
    "StorageUnavailable",
    "StoredUpload",
    "UploadKind",
    "UploadNotFound",
    "UploadRef",
    "UploadStore",
    "VerdictHook",
    "VerdictRecord",
    "VerificationQueue",
    "open_queue",
    "register_job_handler",
    "register_verdict_hook",
    "unregister_job_handler",
    "unregister_verdict_hook",
]


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, __all__, globals())
