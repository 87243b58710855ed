"""The verification queue on one broker: its actors, enqueueing, the sweep and the re-check.

Why two actors per check: dramatiq orders the messages a worker process has fetched by the
priority of their actor, and an actor has one queue and one priority. `verify_photo` and
`verify_id_document` serve the `interactive` queue at priority 0; `verify_photo_batch` and
`verify_id_document_batch` serve `batch` at priority 100. Every worker consumes both queues, and
a worker thread that frees up takes interactive work first, so an interactive upload waits at
most for the check already running on that thread, never behind the batch backlog. (Deployments
that want interactive capacity that batch can never occupy run extra workers with
`--queues interactive`.)
"""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq import Message
from dramatiq.middleware import CurrentMessage

from verifier.policy import default_policy
from verifier.queue.jobs import JobAttempt, RetryLater, run_job
from verifier.queue.settings import (
    BATCH_QUEUE,
    INTERACTIVE_QUEUE,
    NOTIFY_QUEUE,
    BrokerKind,
    QueueSettings,
)
from verifier.queue.storage import StorageUnavailable, UploadKind, UploadRef, UploadStore
from verifier.queue.verification import record_unfinished, verify_upload

log = logging.getLogger(__name__)

INTERACTIVE_PRIORITY = 0
BATCH_PRIORITY = 100
_ACTOR_NAMES = {
    (UploadKind.PHOTO, True): "verify_photo",
    (UploadKind.PHOTO, False): "verify_photo_batch",
    (UploadKind.ID_DOCUMENT, True): "verify_id_document",
    (UploadKind.ID_DOCUMENT, False): "verify_id_document_batch",
}
_KIND_BY_ACTOR = {name: kind for (kind, _), name in _ACTOR_NAMES.items()}
RECORD_UNFINISHED = "record_unfinished"
RUN_JOB = "run_job"
# Keys deterministic message ids for sweeps and re-checks (see VerificationQueue.sweep).
_MESSAGE_ID_NAMESPACE = uuid.UUID("9f0b7a52-3c1e-4c55-9d8e-6a1f2b7c4e10")


def load_store(settings: QueueSettings) -> UploadStore:
    """The store worker processes use: the configured factory, else the SQLite reference store."""
    if settings.store_factory:
        module_name, _, attr = settings.store_factory.partition(":")
        factory: Callable[[], UploadStore] = getattr(importlib.import_module(module_name), attr)
        return factory()
    from verifier.queue.sqlite_store import SqliteUploadStore

    return SqliteUploadStore(settings.data_dir, busy_timeout_s=settings.sqlite_busy_timeout_s)


def _delivery_key() -> str:
    message = CurrentMessage.get_current_message()
    if message is None:  # called directly, not through a worker
        return f"direct:{uuid.uuid4()}"
    return f"{message.message_id}:{message.options.get('retries', 0)}"


def _retry_transient(max_retries: int) -> Callable[[int, BaseException], bool]:
    def retry_when(retries: int, exc: BaseException) -> bool:
        # Only faults that pass are worth waiting for; everything else is decided at once.
        return isinstance(exc, StorageUnavailable) and retries < max_retries

    return retry_when


class VerificationQueue:
    """The actors bound to one broker, and the operations the portal and the CLI need."""

    def __init__(
        self, broker: dramatiq.Broker, settings: QueueSettings, store: UploadStore | None = None
    ) -> None:
        self.broker = broker
        self.settings = settings
        self._store = store
        self.actors: dict[str, dramatiq.Actor[Any, Any]] = {}
        for (kind, interactive), name in _ACTOR_NAMES.items():
            self.actors[name] = self._declare_check(name, kind, interactive)
        self.actors[RECORD_UNFINISHED] = dramatiq.actor(
            actor_name=RECORD_UNFINISHED,
            queue_name=INTERACTIVE_QUEUE,
            priority=INTERACTIVE_PRIORITY,
            broker=broker,
            retry_when=_retry_transient(settings.fallback_max_retries),
            min_backoff=settings.min_backoff_ms,
            max_backoff=settings.max_backoff_ms,
        )(self._record_unfinished)
        self.actors[RUN_JOB] = dramatiq.actor(
            actor_name=RUN_JOB,
            queue_name=NOTIFY_QUEUE,
            broker=broker,
            max_retries=settings.job_max_retries,
            retry_when=lambda retries, exc: (
                isinstance(exc, RetryLater) and retries < settings.job_max_retries
            ),
            min_backoff=settings.job_min_backoff_ms,
            max_backoff=settings.job_max_backoff_ms,
        )(self._run_job)

    @property
    def store(self) -> UploadStore:
        if self._store is None:
            self._store = load_store(self.settings)
        return self._store

    def _declare_check(
        self, name: str, kind: UploadKind, interactive: bool
    ) -> dramatiq.Actor[Any, Any]:
        settings = self.settings

        def verify(upload_id: str) -> None:
            verify_upload(
                self.store,
                upload_id,
                delivery_key=_delivery_key(),
                max_worker_deaths=settings.max_worker_deaths,
            )

        verify.__name__ = verify.__qualname__ = name
        return dramatiq.actor(
            actor_name=name,
            queue_name=INTERACTIVE_QUEUE if interactive else BATCH_QUEUE,
            priority=INTERACTIVE_PRIORITY if interactive else BATCH_PRIORITY,
            broker=self.broker,
            time_limit=settings.time_limit_ms,
            retry_when=_retry_transient(settings.max_retries),
            min_backoff=settings.min_backoff_ms,
            max_backoff=settings.max_backoff_ms,
            on_retry_exhausted=RECORD_UNFINISHED,
        )(verify)

    def _record_unfinished(self, message: dict[str, Any], retry_info: dict[str, Any]) -> None:
        """Runs when a check message gave up (retries out, or an error outside the check)."""
        args = message.get("args") or []
        if not args:
            return
        upload_id = str(args[0])
        kind = _KIND_BY_ACTOR.get(message.get("actor_name", ""), UploadKind.PHOTO)
        trace = str(message.get("options", {}).get("traceback", "")).strip().splitlines()
        reason = f"after {retry_info.get('retries', '?')} retries: {trace[-1] if trace else '?'}"
        log.error("upload %s: giving up (%s); storing a review verdict", upload_id, reason)
        record_unfinished(self.store, upload_id, kind, reason)

    def _run_job(self, kind: str, key: str) -> None:
        # Loading the store runs the application's factory, which registers its job handlers
        # (a worker process that has only run jobs has not needed the store before).
        _ = self.store
        message = CurrentMessage.get_current_message()
        retries = int(message.options.get("retries", 0)) if message is not None else 0
        attempt = JobAttempt(retries + 1, last=retries >= self.settings.job_max_retries)
        run_job(kind, key, attempt)

    # Sending work.

    def enqueue_job(self, kind: str, key: str) -> Message[Any]:
        """Queues a job (verifier/queue/jobs.py) for the handler registered for `kind`."""
        return self.broker.enqueue(self.actors[RUN_JOB].message(kind, key))

    def actor_for(self, ref: UploadRef) -> dramatiq.Actor[Any, Any]:
        return self.actors[_ACTOR_NAMES[(ref.kind, ref.interactive)]]

    def enqueue(self, ref: UploadRef, *, message_id: str | None = None) -> Message[Any]:
        """Queues the check of a stored upload. Call only after the upload is durably stored."""
        message = self.actor_for(ref).message(ref.upload_id)
        if message_id is not None:
            message = message.copy(message_id=message_id)
        return self.broker.enqueue(message)

    def live_upload_ids(self) -> set[str] | None:
        """Uploads that have a message in the broker (queued, delayed or being worked on).

        Known for Redis only (the messages stay in the queue's hash until acknowledged); None
        for the other brokers.
        """
        if self.settings.broker_kind is not BrokerKind.REDIS:
            return None
        client = self.broker.client  # type: ignore[attr-defined]
        namespace = self.settings.namespace
        upload_ids: set[str] = set()
        for queue in (INTERACTIVE_QUEUE, BATCH_QUEUE):
            for name in (queue, f"{queue}.DQ"):
                for raw in client.hvals(f"{namespace}:{name}.msgs"):
                    message = Message.decode(raw)
                    if not message.args:
                        continue
                    first = message.args[0]
                    if message.actor_name == RECORD_UNFINISHED and isinstance(first, dict):
                        first = (first.get("args") or [None])[0]
                    if first is not None:
                        upload_ids.add(str(first))
        return upload_ids

    def sweep(self) -> int:
        """Enqueues every upload that has no verdict and no live message; returns how many.

        Sweep messages get an id derived from the upload, so when a poison upload kills the
        process that runs it (the embedded mode restarting again and again), its deliveries are
        recognised as the same one and end in `review` after `max_worker_deaths`.
        """
        live = self.live_upload_ids()
        count = 0
        for ref in self.store.uploads_without_verdict():
            if live is not None and ref.upload_id in live:
                continue
            message_id = str(uuid.uuid5(_MESSAGE_ID_NAMESPACE, f"sweep:{ref.upload_id}"))
            self.enqueue(ref, message_id=message_id)
            count += 1
        if count:
            log.info("sweep: enqueued %d uploads without a verdict", count)
        return count

    def recheck(self, policy_version: str | None = None) -> int:
        """Queues (batch) every upload whose verdicts are all under another policy version."""
        version = policy_version or default_policy().version
        live = self.live_upload_ids()
        count = 0
        for ref in self.store.uploads_needing_recheck(version):
            if live is not None and ref.upload_id in live:
                continue
            batch_ref = UploadRef(ref.upload_id, ref.kind, interactive=False)
            key = f"recheck:{ref.upload_id}:{version}"
            message_id = str(uuid.uuid5(_MESSAGE_ID_NAMESPACE, key))
            self.enqueue(batch_ref, message_id=message_id)
            count += 1
        return count

    def broker_state_lost(self) -> bool:
        """True once after the broker lost its data (a Redis restarted without persistence).

        A marker key in the broker's namespace: whoever finds it missing recreates it and sweeps.
        """
        if self.settings.broker_kind is not BrokerKind.REDIS:
            return False
        client = self.broker.client  # type: ignore[attr-defined]
        return bool(client.set(f"{self.settings.namespace}:__hmsverify_alive__", "1", nx=True))
