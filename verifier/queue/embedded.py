"""The embedded mode: the same actors on dramatiq's in-process broker, served by threads.

With no REDIS_URL (and no RABBITMQ_URL) the portal calls `open_queue(store)` at start-up and gets
worker threads in its own process: `make run` needs no Redis. Interactive and batch work have
separate threads, so a batch re-check never delays an employee's upload.

What it lacks compared with Redis: queued messages live in memory, so a restart loses them and
only the start-up sweep (uploads with no verdict in the store) brings them back; re-check runs
interrupted by a restart must be started again; there is one process, so no second machine,
and checks share the portal's CPU and GIL; a worker that dies takes the portal with it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker

from verifier.queue.broker import build_broker
from verifier.queue.settings import (
    BATCH_QUEUE,
    INTERACTIVE_QUEUE,
    NOTIFY_QUEUE,
    BrokerKind,
    QueueSettings,
)
from verifier.queue.storage import UploadStore
from verifier.queue.verification_queue import VerificationQueue

log = logging.getLogger(__name__)

# How long an idle embedded worker thread blocks on its in-memory queue (ms). The stub broker's
# queue wakes the consumer as soon as a message arrives, so this costs no latency.
_EMBEDDED_WORKER_TIMEOUT_MS = 100


@dataclass
class EmbeddedWorkers:
    """Worker threads serving a queue on the in-process broker."""

    queue: VerificationQueue
    workers: list[Worker] = field(default_factory=list)

    def start(self, *, sweep: bool = True) -> int:
        """Starts the threads (models load first) and sweeps; returns how many were re-queued."""
        settings = self.queue.settings
        broker = self.queue.broker
        broker.emit_after("process_boot")  # starts the time-limit watchdog thread
        # Two Workers on one broker each add their own (whitelisted) consumer middleware, which
        # dramatiq warns about; that is intended here, so the warning is silenced meanwhile.
        broker_logger = broker.logger
        level = broker_logger.level
        broker_logger.setLevel(logging.ERROR)
        try:
            for queue_name, threads in (
                (INTERACTIVE_QUEUE, settings.embedded_interactive_threads),
                (BATCH_QUEUE, settings.embedded_batch_threads),
                (NOTIFY_QUEUE, settings.embedded_notify_threads),
            ):
                worker = Worker(
                    broker,
                    queues={queue_name},
                    worker_threads=threads,
                    worker_timeout=_EMBEDDED_WORKER_TIMEOUT_MS,
                )
                worker.start()
                self.workers.append(worker)
        finally:
            broker_logger.setLevel(level)
        return self.queue.sweep() if sweep else 0

    def join(self, timeout_s: float = 600.0) -> None:
        """Waits until every queued message has been processed (tests, the CLI)."""
        broker = self.queue.broker
        assert isinstance(broker, StubBroker), "the embedded mode runs on the stub broker"
        for queue_name in (INTERACTIVE_QUEUE, BATCH_QUEUE):
            # Not fail-fast: a dead-lettered message already has its `review` verdict.
            broker.join(queue_name, timeout=int(timeout_s * 1000), fail_fast=False)
        for worker in self.workers:
            worker.join()

    def stop(self, timeout_s: float = 60.0) -> None:
        for worker in self.workers:
            worker.stop(timeout=int(timeout_s * 1000))
        self.workers.clear()
        self.queue.broker.close()


@dataclass
class QueueHandle:
    """What the portal holds: `enqueue(ref)`, `recheck()`, and the embedded threads if any."""

    queue: VerificationQueue
    embedded: EmbeddedWorkers | None = None

    def close(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()
        else:
            self.queue.broker.close()


def open_queue(store: UploadStore, settings: QueueSettings | None = None) -> QueueHandle:
    """The portal's entry point. With a broker URL: a client that enqueues for the workers.
    Without: the embedded mode, its threads started and pending uploads re-queued."""
    settings = settings or QueueSettings.from_env()
    embedded = settings.broker_kind is BrokerKind.EMBEDDED
    broker = build_broker(settings, warm_up=embedded)
    queue = VerificationQueue(broker, settings, store)
    if not embedded:
        return QueueHandle(queue)
    workers = EmbeddedWorkers(queue)
    swept = workers.start()
    log.info("embedded verification queue started; %d pending uploads re-queued", swept)
    return QueueHandle(queue, workers)
