"""Smoke test: the same actors and worker command on RabbitMQ (dramatiq's RabbitmqBroker).

Needs a RabbitMQ on 127.0.0.1:5672 (guest/guest) in which rabbitmqctl can give the test a virtual
host of its own (the `rabbitmq` marker's probe in tests/conftest.py makes it): skipped without
one, failed under CI=true.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.queue.support import all_have_one_verdict, fast_settings, start_workers, wait_for


@pytest.mark.rabbitmq
@pytest.mark.slow
def test_photos_get_verdicts_through_rabbitmq(
    tmp_path: Path, portrait_jpeg: bytes, corrupt_jpeg: bytes, rabbitmq_url: str
) -> None:
    url = rabbitmq_url
    settings = fast_settings(rabbitmq_url=url)
    workers = start_workers(settings, tmp_path, processes=1)
    try:
        for queue_name in ("interactive", "batch"):
            workers.queue.broker.flush(queue_name)
        store = workers.store
        refs = [
            store.add_upload(portrait_jpeg),
            store.add_upload(portrait_jpeg, interactive=False),
            store.add_upload(corrupt_jpeg),
        ]
        for ref in refs:
            workers.queue.enqueue(ref)
        wait_for(lambda: all_have_one_verdict(store, refs), 30, "verdicts via RabbitMQ")
        assert store.verdicts(refs[2].upload_id)[0].verdict["unreadable_code"] in (
            "corrupt",
            "truncated",
        )
    finally:
        workers.stop()
