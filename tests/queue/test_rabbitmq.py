"""Smoke test: the same actors and worker command on RabbitMQ (dramatiq's RabbitmqBroker).

Runs when a RabbitMQ answers on 127.0.0.1:5672 (guest/guest) and rabbitmqctl can give the test a
virtual host of its own; skipped otherwise (CI does not start RabbitMQ).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from queue_support import all_have_one_verdict, fast_settings, start_workers, wait_for

VHOST = "hmsverify-test"


def rabbitmq_vhost() -> str | None:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
    except OSError:
        return None
    if shutil.which("rabbitmqctl") is None:
        return None
    for command in (
        ["rabbitmqctl", "add_vhost", VHOST],
        ["rabbitmqctl", "set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*"],
    ):
        done = subprocess.run(command, capture_output=True, timeout=60, check=False)
        if done.returncode != 0 and b"already exists" not in done.stderr + done.stdout:
            return None
    return f"amqp://guest:guest@127.0.0.1:5672/{VHOST}"


@pytest.mark.slow
def test_photos_get_verdicts_through_rabbitmq(
    tmp_path: Path, portrait_jpeg: bytes, corrupt_jpeg: bytes
) -> None:
    pytest.importorskip("pika")
    url = rabbitmq_vhost()
    if url is None:
        pytest.skip("no RabbitMQ on 127.0.0.1:5672 with rabbitmqctl")
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
