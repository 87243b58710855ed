"""Queue settings: broker URLs, time limits, retry back-off, crash and poll tuning.

Read from the environment (HMSVERIFY_QUEUE_* variables, plus REDIS_URL / RABBITMQ_URL) so the
same worker image runs anywhere; every limit the queue applies lives here and nowhere else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from pathlib import Path


class BrokerKind(StrEnum):
    REDIS = "redis"
    RABBITMQ = "rabbitmq"
    EMBEDDED = "embedded"


# Queue names: interactive = an employee waits on a share link; batch = re-checks, API orders.
INTERACTIVE_QUEUE = "interactive"
BATCH_QUEUE = "batch"
# Jobs besides the checks (webhook deliveries): short, network-bound, never behind a check.
NOTIFY_QUEUE = "notifications"


@dataclass(frozen=True)
class QueueSettings:
    redis_url: str | None = None
    rabbitmq_url: str | None = None
    # Prefix of every Redis key the broker writes: lets deployments (and tests) share a Redis.
    namespace: str = "hmsverify"
    # "module:callable" returning the UploadStore for worker processes (the portal's database
    # store); unset: the reference SQLite store in data_dir.
    store_factory: str | None = None
    data_dir: Path = Path("var/queue")
    # The SQLite store: how long a write waits for a lock before it is StorageUnavailable (s).
    sqlite_busy_timeout_s: float = 5.0
    # A check that runs longer than this ends as a `review` verdict (ms); the watchdog looks
    # every time_limit_interval_ms.
    time_limit_ms: int = 120_000
    time_limit_interval_ms: int = 1_000
    # Transient storage faults: retries with exponential back-off between these bounds (ms).
    max_retries: int = 8
    min_backoff_ms: int = 1_000
    max_backoff_ms: int = 300_000
    # The fallback that stores a `review` verdict when retries ran out keeps trying this often.
    fallback_max_retries: int = 30
    # The same delivery restarting this many times (its worker died each time) ends in `review`.
    max_worker_deaths: int = 2
    # Redis: a worker silent this long is dead and its unacknowledged messages go back (ms).
    # Must exceed the longest stall of a live worker's consumer threads, not the check time:
    # busy workers keep heartbeating through their delay-queue consumers.
    heartbeat_timeout_ms: int = 30_000
    # Redis: per million broker commands on a queue, how many also requeue dead workers'
    # messages of that queue. An idle interactive consumer polls ~130 times a second, so 10,000
    # runs it about every second per worker process there, every ~20 s for the batch queue.
    maintenance_chance: int = 10_000
    dead_message_ttl_ms: int = 7 * 86_400_000
    # Redis: how long an idle consumer waits between polls (ms). The interactive queue's interval
    # is the queue's own latency floor; the batch and retry (delay) queues can wait longer, which
    # keeps an idle worker's polling cheap (with 10 ms everywhere it took 13 % of a core).
    poll_interval_ms: int = 10
    idle_poll_interval_ms: int = 200
    # `hmsverify worker`: processes and threads per process. Checks are CPU-bound, so one
    # thread per process and one process per core.
    worker_processes: int = 2
    worker_threads: int = 1
    # `hmsverify worker`: a process stopping gets this long to finish its message before it is
    # killed (s); one that dies within fast_exit_s of starting is restarted after a pause that
    # doubles up to restart_max_pause_s, so a broken deployment does not spin.
    worker_stop_grace_s: float = 30.0
    worker_fast_exit_s: float = 10.0
    worker_restart_max_pause_s: float = 30.0
    # How often the worker supervisor checks that the broker still holds its state (a Redis
    # restarted without persistence has lost the queued messages) and sweeps if not (s).
    broker_check_interval_s: float = 2.0
    # A safety sweep for uploads left without a verdict and without a live message, on top of
    # the start-up sweep (s); 0 turns it off.
    sweep_interval_s: float = 300.0
    # Embedded broker: worker threads for each queue (interactive work has its own threads).
    embedded_interactive_threads: int = 1
    embedded_batch_threads: int = 1
    embedded_notify_threads: int = 1
    # Jobs (verifier/queue/jobs.py): tries after the first, and their back-off bounds (ms).
    job_max_retries: int = 10
    job_min_backoff_ms: int = 5_000
    job_max_backoff_ms: int = 3_600_000

    @property
    def broker_kind(self) -> BrokerKind:
        if self.redis_url:
            return BrokerKind.REDIS
        if self.rabbitmq_url:
            return BrokerKind.RABBITMQ
        return BrokerKind.EMBEDDED

    def with_(self, **changes: object) -> QueueSettings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @staticmethod
    def from_env(env: Mapping[str, str] | None = None) -> QueueSettings:
        """REDIS_URL, RABBITMQ_URL, and HMSVERIFY_QUEUE_<FIELD> for every other field."""
        env = os.environ if env is None else env
        values: dict[str, object] = {
            "redis_url": env.get("REDIS_URL") or None,
            "rabbitmq_url": env.get("RABBITMQ_URL") or None,
        }
        defaults = QueueSettings()
        for f in fields(QueueSettings):
            if f.name in values:
                continue
            raw = env.get(f"HMSVERIFY_QUEUE_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            default = getattr(defaults, f.name)
            try:
                if isinstance(default, bool):
                    values[f.name] = raw.lower() in ("1", "true", "yes")
                elif isinstance(default, int):
                    values[f.name] = int(raw)
                elif isinstance(default, float):
                    values[f.name] = float(raw)
                elif isinstance(default, Path):
                    values[f.name] = Path(raw)
                else:
                    values[f.name] = raw
            except ValueError as exc:
                raise ValueError(f"HMSVERIFY_QUEUE_{f.name.upper()}={raw!r}: {exc}") from exc
        return QueueSettings(**values)  # type: ignore[arg-type]
