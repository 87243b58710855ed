from __future__ import annotations

from verifier.queue.worker import worker_environment


def test_worker_processes_get_a_malloc_arena_cap_unless_one_is_set() -> None:
    assert worker_environment({"PATH": "/bin"}) == {"PATH": "/bin", "MALLOC_ARENA_MAX": "2"}
    assert worker_environment({"MALLOC_ARENA_MAX": "4"})["MALLOC_ARENA_MAX"] == "4"
