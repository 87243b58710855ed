"""glibc malloc settings for a portal process that runs checks on its own threads (the embedded
queue): the same arena cap the Redis workers get through MALLOC_ARENA_MAX, set from inside the
process, and memory handed back to the system after each check.

Without them, each thread that decodes or analyses an image (the web threads' intake, the queue
threads' checks) gets its own malloc arena, up to 8 per core; the large short-lived buffers of
images and model tensors leave those arenas fragmented, and the process keeps the peak of every
arena resident after the load has gone (issue 14: 591 → 1,115 MB that never came down).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading

log = logging.getLogger(__name__)

# mallopt parameters (malloc.h).
_M_ARENA_MAX = -8
ARENAS = 2

_libc: ctypes.CDLL | None = None
_trim_lock = threading.Lock()


def _glibc() -> ctypes.CDLL | None:
    global _libc
    if _libc is None:
        name = ctypes.util.find_library("c")
        if not name:
            return None
        try:
            libc = ctypes.CDLL(name)
            libc.mallopt  # noqa: B018 (not glibc: musl has no mallopt)
            libc.malloc_trim  # noqa: B018
        except (OSError, AttributeError):
            return None
        _libc = libc
    return _libc


def cap_arenas() -> bool:
    """Caps the malloc arenas of threads started from now on (MALLOC_ARENA_MAX, if set in the
    environment, wins). Call before the worker threads start. False where there is no glibc."""
    libc = _glibc()
    if libc is None or "MALLOC_ARENA_MAX" in os.environ:
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, ARENAS))


def release_free_memory() -> None:
    """Returns free memory at the top and inside the arenas to the system (malloc_trim)."""
    libc = _glibc()
    if libc is None or not _trim_lock.acquire(blocking=False):
        return  # another thread is trimming; once is enough
    try:
        libc.malloc_trim(0)
    finally:
        _trim_lock.release()
