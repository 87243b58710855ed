"""`HMSVERIFY_QUEUE_STORE_FACTORY=portal.queue_store:make_store` for Redis worker processes:
the portal's database store, with the verdict hook that moves orders on registered."""

from __future__ import annotations

from portal.verification import store_from_env as make_store

__all__ = ["make_store"]
