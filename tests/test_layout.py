"""The tests are packages under `tests` (imported as `tests.<area>.support`): the folder
tests/queue is the package `tests.queue` and never shadows the standard library's `queue`, which
dramatiq, redis and the embedded workers import."""

from __future__ import annotations

import queue
import subprocess
import sys
import sysconfig
from pathlib import Path

import tests.queue

STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


def test_queue_is_the_standard_library_module() -> None:
    assert Path(queue.__file__).resolve().parent == STDLIB
    assert queue is not tests.queue
    assert hasattr(queue, "Queue") and hasattr(queue, "Empty")


def test_queue_is_the_standard_library_module_from_the_project_root() -> None:
    """The worker subprocesses the queue tests start run from the project root, like pytest."""
    root = Path(__file__).resolve().parents[1]
    found = subprocess.run(
        [sys.executable, "-c", "import queue, dramatiq; print(queue.__file__)"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(found).resolve().parent == STDLIB
