"""Fixtures for the queue tests: real images, a real SQLite store, real Redis in a namespace of
its own."""

from __future__ import annotations

import struct
import subprocess
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import redis
from skimage import data as skdata

from tests.queue.support import REDIS_URL, REPO, RedisNamespace, jpeg, png_chunk, redis_available
from verifier.queue.sqlite_store import SqliteUploadStore


@pytest.fixture(scope="session")
def portrait_jpeg() -> bytes:
    """A real photograph of a person (scikit-image's astronaut), as a phone would send it."""
    return jpeg(skdata.astronaut())


@pytest.fixture(scope="session")
def slow_jpeg() -> bytes:
    """A 6000 x 6000 photo: large enough that its check takes a noticeable fraction of a second."""
    big = cv2.resize(skdata.astronaut(), (6000, 6000), interpolation=cv2.INTER_LINEAR)
    noise = np.random.default_rng(1).integers(0, 24, big.shape, dtype=np.uint8)
    ok, encoded = cv2.imencode(".jpg", cv2.add(big, noise), [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return encoded.tobytes()


@pytest.fixture(scope="session")
def corrupt_jpeg(portrait_jpeg: bytes) -> bytes:
    """A JPEG whose header is fine and whose entropy-coded data is garbage."""
    rng = np.random.default_rng(7)
    return portrait_jpeg[:600] + rng.integers(0, 256, 40_000, dtype=np.uint8).tobytes()


@pytest.fixture(scope="session")
def bomb_png() -> bytes:
    """A decompression bomb: a ~250 kB PNG that inflates to 16,000 x 16,000 pixels (256 MB)."""
    width = height = 16_000
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte + one grey byte per pixel
    chunks = [compressor.compress(row) for _ in range(height)]
    idat = b"".join(chunks) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


@pytest.fixture
def store(tmp_path: Path) -> SqliteUploadStore:
    return SqliteUploadStore(tmp_path / "store")


@pytest.fixture
def redis_ns() -> Iterator[RedisNamespace]:
    """A key namespace of our own on the shared Redis; only its keys are deleted afterwards."""
    if not redis_available(REDIS_URL):
        subprocess.run([str(REPO / "scripts" / "services.sh")], check=False)
    client = redis.Redis.from_url(REDIS_URL)
    ns = RedisNamespace(REDIS_URL, f"hmsverify-test-{uuid.uuid4().hex[:10]}", client)
    yield ns
    ns.flush()
