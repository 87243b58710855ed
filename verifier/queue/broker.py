"""Builds the dramatiq broker the settings ask for: Redis, RabbitMQ, or the in-process stub."""

from __future__ import annotations

import logging
import time
from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage, Middleware, TimeLimit

from verifier.queue.settings import INTERACTIVE_QUEUE, BrokerKind, QueueSettings

log = logging.getLogger(__name__)


def warm_up_models() -> float:
    """Loads the checks' models in this process (once, before it takes messages); returns s.

    Runs every portrait rule on a real face (`verifier.photo.warmup`), at its own size and as
    a 12 MP phone photo, so the first real upload pays no model load or buffer growth.
    """
    from verifier.photo.warmup import phone_sized_warmup_jpeg, warm_up

    started = time.perf_counter()
    warm_up(phone_sized=True)
    phone_photo = phone_sized_warmup_jpeg()
    try:
        from verifier.id_docs.check import check_id_document

        check_id_document(phone_photo)
    except Exception:
        # Photo checks must not wait for a document model that fails to load; the ID actor
        # reports its own errors per upload (as `review` verdicts).
        log.warning("identity-document check could not warm up", exc_info=True)
    return time.perf_counter() - started


class WarmUpModels(Middleware):
    """Loads the models when a worker boots, before any consumer takes a message."""

    def __init__(self) -> None:
        self.warmed_up = False

    def warm_up(self) -> None:
        """Loads once per process (the embedded mode boots one Worker per queue)."""
        if not self.warmed_up:
            seconds = warm_up_models()
            self.warmed_up = True
            log.info("models loaded in %.2f s", seconds)

    def before_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        self.warm_up()

    def after_worker_thread_boot(self, broker: dramatiq.Broker, thread: Any) -> None:
        """Runs one phone-sized check in each worker thread before it takes messages: glibc
        gives every thread its own malloc arena, and sizing it here keeps a worker's memory
        flat from its first real upload on (the process-wide warm-up runs in another thread)."""
        from verifier.photo.warmup import warm_up

        try:
            warm_up(phone_sized=True)
        except Exception:
            log.warning("worker thread warm-up failed", exc_info=True)


def _polling_redis_broker(settings: QueueSettings) -> dramatiq.Broker:
    from dramatiq.brokers.redis import RedisBroker

    class PollingRedisBroker(RedisBroker):
        """Polls the interactive queue often and every other queue at the idle interval.

        dramatiq gives every consumer of a worker the same idle timeout; only the interactive
        queue needs its messages picked up within milliseconds.
        """

        def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Any:
            fast = queue_name == INTERACTIVE_QUEUE
            interval = settings.poll_interval_ms if fast else settings.idle_poll_interval_ms
            return super().consume(queue_name, prefetch, interval)

    return PollingRedisBroker(
        url=settings.redis_url,
        namespace=settings.namespace,
        heartbeat_timeout=settings.heartbeat_timeout_ms,
        dead_message_ttl=settings.dead_message_ttl_ms,
        maintenance_chance=settings.maintenance_chance,
    )


def build_broker(settings: QueueSettings, *, warm_up: bool = True) -> dramatiq.Broker:
    """The broker for these settings, with the middleware the actors rely on."""
    broker: dramatiq.Broker
    kind = settings.broker_kind
    if kind is BrokerKind.REDIS:
        broker = _polling_redis_broker(settings)
    elif kind is BrokerKind.RABBITMQ:
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=settings.rabbitmq_url)
    else:
        from dramatiq.brokers.stub import StubBroker

        broker = StubBroker()
    for middleware in broker.middleware:
        if isinstance(middleware, TimeLimit) and hasattr(middleware.manager, "interval"):
            # The default watchdog looks once a second; the settings say how often.
            middleware.manager.interval = settings.time_limit_interval_ms / 1000
    broker.add_middleware(CurrentMessage())
    if warm_up:
        broker.add_middleware(WarmUpModels())
    return broker
