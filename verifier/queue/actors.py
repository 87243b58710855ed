"""The actors on the broker the environment names: `dramatiq verifier.queue.actors` runs them.

REDIS_URL set: Redis; else RABBITMQ_URL: RabbitMQ; else the in-process stub broker, which the
embedded mode (verifier.queue.embedded) serves with worker threads. Importing this module is
what binds the actors, as dramatiq's CLI expects; the portal enqueues through `queue`.
"""

from __future__ import annotations

import dramatiq

from verifier.queue.broker import build_broker
from verifier.queue.settings import QueueSettings
from verifier.queue.verification_queue import VerificationQueue

settings = QueueSettings.from_env()
broker = build_broker(settings)
dramatiq.set_broker(broker)
queue = VerificationQueue(broker, settings)

verify_photo = queue.actors["verify_photo"]
verify_photo_batch = queue.actors["verify_photo_batch"]
verify_id_document = queue.actors["verify_id_document"]
verify_id_document_batch = queue.actors["verify_id_document_batch"]
record_unfinished = queue.actors["record_unfinished"]
