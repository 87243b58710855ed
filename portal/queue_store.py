"""`HMSVERIFY_QUEUE_STORE_FACTORY=portal.queue_store:make_store` for Redis worker processes:
the portal's database store, with the verdict hook that moves orders on and the webhook
delivery handler (jobs on the `notifications` queue) registered."""

from __future__ import annotations

from portal.verification import PortalUploadStore, store_from_env
from portal.webhooks import JOB_KIND, delivery_handler


def make_store() -> PortalUploadStore:
    from verifier.queue import register_job_handler

    store = store_from_env()
    register_job_handler(JOB_KIND, delivery_handler(store.portal))
    return store


__all__ = ["make_store"]
