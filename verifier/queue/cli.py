"""`hmsverify worker` and `hmsverify recheck`; verifier/cli.py adds them with register()."""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any

from verifier.queue.settings import BrokerKind, QueueSettings


def register(subparsers: Any) -> None:
    """Adds the queue's subcommands to the hmsverify argument parser (each sets `func`)."""
    worker = subparsers.add_parser(
        "worker",
        help="run verification worker processes (REDIS_URL or RABBITMQ_URL)",
        description=(
            "Runs and supervises dramatiq worker processes for verifier.queue.actors: restarts "
            "a process that dies, re-queues uploads left without a verdict at start-up and "
            "whenever the broker has lost its messages. Settings: HMSVERIFY_QUEUE_* variables."
        ),
    )
    worker.add_argument("--processes", "-p", type=int, default=None, help="default: 2")
    worker.add_argument("--threads", "-t", type=int, default=None, help="per process; default: 1")
    worker.add_argument(
        "--queues", "-Q", nargs="*", default=None, help="only these queues (interactive, batch)"
    )
    worker.set_defaults(func=run_worker_command)

    recheck = subparsers.add_parser(
        "recheck",
        help="re-queue every upload decided under an older policy version",
        description=(
            "Enqueues (on the batch queue) every upload whose verdicts were all made under "
            "another policy version than the current one. With no broker URL (embedded mode) it "
            "runs the checks in this process and waits for them."
        ),
    )
    recheck.add_argument(
        "--policy-version", default=None, help="the version to bring verdicts to (default: current)"
    )
    recheck.set_defaults(func=run_recheck_command)


def _logging() -> None:
    # Long-running commands report sweeps and restarts: INFO unless HMSVERIFY_LOG_LEVEL says
    # otherwise (the hmsverify CLI may already have configured WARNING for its one-shot tools).
    logging.basicConfig(format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
    logging.getLogger().setLevel(os.environ.get("HMSVERIFY_LOG_LEVEL", "INFO"))


def run_worker_command(args: argparse.Namespace) -> int:
    from verifier.queue.worker import Supervisor

    _logging()
    settings = QueueSettings.from_env()
    if settings.broker_kind is BrokerKind.EMBEDDED:
        print(
            "hmsverify worker needs a broker: set REDIS_URL (or RABBITMQ_URL). Without one, the "
            "portal runs the checks itself in embedded mode (`hmsverify demo`/`make run`)."
        )
        return 2
    supervisor = Supervisor(
        settings,
        processes=args.processes or settings.worker_processes,
        threads=args.threads or settings.worker_threads,
        queues=args.queues,
    )
    return supervisor.run()


def run_recheck_command(args: argparse.Namespace) -> int:
    from verifier.queue.broker import build_broker
    from verifier.queue.embedded import EmbeddedWorkers
    from verifier.queue.verification_queue import VerificationQueue

    _logging()
    settings = QueueSettings.from_env()
    embedded = settings.broker_kind is BrokerKind.EMBEDDED
    queue = VerificationQueue(build_broker(settings, warm_up=embedded), settings)
    count = queue.recheck(args.policy_version)
    print(f"recheck: {count} uploads queued on the batch queue")
    if embedded and count:
        workers = EmbeddedWorkers(queue)
        workers.start(sweep=False)
        workers.join()
        workers.stop()
        print(f"recheck: {count} uploads checked")
    else:
        queue.broker.close()
    return 0
