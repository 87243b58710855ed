"""Issue 14.10, the mechanism: memory freed by worker threads goes back to the system when the
portal trims after a check (glibc keeps it resident otherwise). The whole effect on a running
portal is measured by `python -m bench.portal_load --memory 500` (docs/evaluation/portal-load.md)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PROGRAM = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from portal.allocator import cap_arenas, release_free_memory

    def rss_mb():
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

    assert cap_arenas() or sys.argv[1] == "any"
    kept = []

    def work():
        # 150 MB in chunks below the mmap threshold, as image rows and tensors come and go,
        # with a small survivor after each so the freed space is fragmented, not at the top.
        chunks = []
        for _ in range(1500):
            chunks.append(bytearray(100_000))
            kept.append(bytearray(2048))  # above pymalloc's 512 bytes: from malloc too
        del chunks

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    before = rss_mb()
    if sys.argv[1] == "trim":
        release_free_memory()
    print(before, rss_mb())
    """
)


def run(mode: str) -> tuple[float, float]:
    output = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(output[0]), float(output[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc only")
def test_freed_thread_memory_is_handed_back() -> None:
    before, untrimmed = run("keep")
    # Without the trim the freed ~600 MB (4 threads x 150 MB) stays resident in good part.
    assert untrimmed > 100 and untrimmed > 0.9 * before, (before, untrimmed)
    before, trimmed = run("trim")
    assert before > 100 and trimmed < before / 3, (before, trimmed)
