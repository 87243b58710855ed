"""Makes the queue test fixtures (defined in queue_support) visible to the tests here."""

from queue_support import (  # noqa: F401
    bomb_png,
    corrupt_jpeg,
    portrait_jpeg,
    redis_ns,
    slow_jpeg,
    store,
)
