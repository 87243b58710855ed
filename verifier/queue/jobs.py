"""Small jobs besides the checks: a kind name and a key go on the `notifications` queue, and
the handler the application registered for that kind runs it (the portal's webhook deliveries).

The queue knows nothing about what a job does (no web code here): it carries the message,
retries it with exponential back-off while the handler raises `RetryLater`, and tells the
handler which attempt is the last, so the handler can record the final failure itself.
Handlers are registered per process, like verdict hooks: in the portal process for the embedded
mode, and in the store factory (HMSVERIFY_QUEUE_STORE_FACTORY) for worker processes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """The job could not be done now (the receiver is down): try again after the back-off."""


@dataclass(frozen=True)
class JobAttempt:
    number: int  # 1 for the first try
    last: bool  # no retry follows if this one fails


JobHandler = Callable[[str, JobAttempt], None]

# One registry per process; filled at start-up, read by the job actor.
_HANDLERS: dict[str, JobHandler] = {}


def register_job_handler(kind: str, handler: JobHandler) -> None:
    _HANDLERS[kind] = handler


def unregister_job_handler(kind: str, handler: JobHandler) -> None:
    if _HANDLERS.get(kind) is handler:
        del _HANDLERS[kind]


def run_job(kind: str, key: str, attempt: JobAttempt) -> None:
    handler = _HANDLERS.get(kind)
    if handler is None:
        # A worker started without the application's store factory: retry, another worker
        # (or this one, once configured) may know the kind.
        log.error("no handler registered for job kind %r (key %s)", kind, key)
        raise RetryLater(f"no handler for {kind}")
    handler(key, attempt)
