"""`hmsverify worker`: a supervisor that keeps N dramatiq worker processes running.

Why not only `dramatiq verifier.queue.actors`: dramatiq's own runner stops every worker when one
dies, and nothing in it re-enqueues uploads whose messages a restarted Redis has lost. This
supervisor restarts a worker that dies (a crash in native decoder code, the OOM killer), sweeps
at start-up, sweeps again whenever the broker has lost its state, and every sweep_interval_s.
Each worker process is a plain dramatiq Worker on the broker from verifier.queue.actors, with
its models loaded before it takes a message.

Run one worker process directly (what the supervisor spawns): `python -m verifier.queue.worker`.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from verifier.queue.settings import QueueSettings

if TYPE_CHECKING:
    from verifier.queue.verification_queue import VerificationQueue

log = logging.getLogger(__name__)


def run_worker_process(threads: int, queues: Sequence[str] | None) -> int:
    """One worker process: loads the models, consumes until SIGTERM/SIGINT, then drains."""
    from dramatiq import Worker

    from verifier.queue import actors
    from verifier.queue.broker import WarmUpModels

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    broker = actors.broker
    for middleware in broker.middleware:
        if isinstance(middleware, WarmUpModels):
            # Here rather than in the middleware hook, where dramatiq would only log a failure:
            # a worker that cannot load its models must exit (the supervisor restarts it).
            middleware.warm_up()
    broker.emit_after("process_boot")
    worker = Worker(
        broker,
        queues=set(queues) if queues else None,
        worker_threads=threads,
        # The consumers' poll intervals come from the broker (per queue); this only paces
        # idle worker threads, which wake at once when work arrives anyway.
        worker_timeout=actors.settings.idle_poll_interval_ms,
    )
    worker.start()
    log.info("worker process %d ready (%d threads)", os.getpid(), threads)
    while not stop.wait(1.0):
        pass
    log.info("worker process %d stopping", os.getpid())
    worker.stop(timeout=int(actors.settings.worker_stop_grace_s * 1000))
    broker.close()
    return 0


# glibc makes a malloc arena per thread (up to 8 per core); every arena keeps the peak of the
# 12 MP decodes it served. Two arenas keep a worker's memory flat after warm-up (measured with
# bench/queue_load.py: +12 % growth with the default, none with 2) at no cost in throughput.
MALLOC_ARENAS = "2"


def worker_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment a worker process starts with: the caller's, plus a malloc arena cap
    unless the caller set one (glibc reads it only at process start)."""
    return {"MALLOC_ARENA_MAX": MALLOC_ARENAS, **environ}


@dataclass
class _Child:
    slot: int
    process: subprocess.Popen[bytes]
    started: float
    pause_s: float = 1.0


class Supervisor:
    """Keeps worker processes alive and the broker complete (see the module docstring)."""

    def __init__(
        self,
        settings: QueueSettings,
        *,
        processes: int,
        threads: int,
        queues: Sequence[str] | None = None,
    ) -> None:
        self.settings = settings
        self.processes = processes
        self.threads = threads
        self.queues = list(queues or [])
        self.children: dict[int, _Child] = {}
        self.stopping = threading.Event()

    def _command(self) -> list[str]:
        command = [sys.executable, "-m", "verifier.queue.worker", "--threads", str(self.threads)]
        if self.queues:
            command += ["--queues", *self.queues]
        return command

    def _spawn(self, slot: int, pause_s: float = 1.0) -> None:
        process = subprocess.Popen(self._command(), env=worker_environment(os.environ))
        self.children[slot] = _Child(slot, process, time.monotonic(), pause_s)
        log.info("worker slot %d: started process %d", slot, process.pid)

    def _restart_dead(self) -> None:
        for slot, child in list(self.children.items()):
            code = child.process.poll()
            if code is None:
                continue
            lived = time.monotonic() - child.started
            settings = self.settings
            pause = (
                min(child.pause_s * 2, settings.worker_restart_max_pause_s)
                if lived < settings.worker_fast_exit_s
                else 0.0
            )
            log.error(
                "worker slot %d: process %d exited with %s after %.1f s; restarting in %.1f s",
                slot,
                child.process.pid,
                code,
                lived,
                pause,
            )
            if pause and self.stopping.wait(pause):
                return
            self._spawn(slot, pause or 1.0)

    def _sweep(self, queue: VerificationQueue, why: str) -> bool:
        try:
            count = queue.sweep()
        except Exception:
            # Broker or store down: the next round tries again; nothing is lost meanwhile.
            log.exception("sweep (%s) failed; will retry", why)
            return False
        log.info("sweep (%s): %d uploads re-queued", why, count)
        return True

    def run(self) -> int:
        from verifier.queue.broker import build_broker
        from verifier.queue.verification_queue import VerificationQueue

        queue = VerificationQueue(build_broker(self.settings, warm_up=False), self.settings)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stopping.set())
        for slot in range(self.processes):
            self._spawn(slot)
        pending_sweep: str | None = "start-up"
        next_state_check = 0.0
        next_sweep = time.monotonic() + self.settings.sweep_interval_s
        while not self.stopping.is_set():
            now = time.monotonic()
            if now >= next_state_check:
                next_state_check = now + self.settings.broker_check_interval_s
                try:
                    if queue.broker_state_lost() and pending_sweep is None:
                        pending_sweep = "the broker lost its messages"
                except Exception as exc:  # broker down: checked again next round
                    log.warning("broker state check failed: %s", exc)
            if self.settings.sweep_interval_s > 0 and now >= next_sweep:
                next_sweep = now + self.settings.sweep_interval_s
                pending_sweep = pending_sweep or "periodic"
            if pending_sweep is not None and self._sweep(queue, pending_sweep):
                pending_sweep = None
            self._restart_dead()
            self.stopping.wait(0.2)
        return self._stop_children()

    def _stop_children(self) -> int:
        for child in self.children.values():
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.settings.worker_stop_grace_s + 5
        for child in self.children.values():
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
        return 0

    def child_pids(self) -> list[int]:
        return [c.process.pid for c in self.children.values()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m verifier.queue.worker")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--queues", nargs="*", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"
    )
    settings = QueueSettings.from_env()
    return run_worker_process(args.threads or settings.worker_threads, args.queues)


if __name__ == "__main__":
    sys.exit(main())
