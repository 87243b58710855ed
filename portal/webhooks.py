"""Webhook deliveries: each pending delivery (portal/api_events.py writes them with the change
they report) goes out through the verification queue's job actor (`notifications` queue) as a
signed POST; failures retry with the queue's exponential back-off, and every try is recorded on
the delivery row the owner sees.

Signature: header `Hmsverify-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
`<t>.<raw body>` with the client's webhook signing key. Receivers check the MAC and refuse a
timestamp more than a few minutes off (replays); `verify_signature` is the reference check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

from sqlalchemy import event, or_, select

from portal.api_events import PENDING_DELIVERIES, event_body
from portal.models import WebhookDelivery, WebhookState
from portal.state import Portal
from verifier.queue import JobAttempt, RetryLater

log = logging.getLogger(__name__)

JOB_KIND = "webhook"
SIGNATURE_HEADER = "Hmsverify-Signature"
EVENT_ID_HEADER = "Hmsverify-Event-Id"
DELIVERY_ID_HEADER = "Hmsverify-Delivery-Id"
DEFAULT_TOLERANCE_S = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    secret: str,
    body: bytes,
    header: str,
    *,
    now: float | None = None,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> bool:
    """True when `header` signs `body` with `secret` and its timestamp is within tolerance."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        fields.setdefault(name, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    moment = time.time() if now is None else now
    if abs(moment - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body).rpartition("v1=")[2]
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an invitation: the signed body goes to the URL registered."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


class NotPublic(ValueError):
    """The webhook's host is (or resolves to) an address inside the portal's own networks."""


def check_public_host(url: str) -> None:
    """Refuses a URL whose host resolves to a loopback, private, link-local or otherwise
    non-global address: an owner's webhook must not make the portal call its own network
    (metadata services, databases, the admin side of other services)."""
    host = urlsplit(url).hostname or ""
    port = urlsplit(url).port or 443
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            raise NotPublic(f"{host} resolves to {address}, which is not a public address")


def post(
    url: str, body: bytes, headers: dict[str, str], timeout_s: float, allow_private: bool = False
) -> int:
    """The receiver's HTTP status; raises OSError when it cannot be reached, and NotPublic when
    its host is not public (unless `allow_private`, for development and tests)."""
    if not allow_private:
        check_public_host(url)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout_s) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def deliver(portal: Portal, delivery_id: int, attempt: JobAttempt) -> None:
    """One try of one delivery. Raises RetryLater while tries are left and it failed."""
    with portal.sessions() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.state != WebhookState.PENDING:
            return  # delivered by an earlier copy of the message, or given up
        client = delivery.client
        if client.revoked_at is not None or not client.webhook_secret:
            delivery.state = WebhookState.FAILED
            delivery.last_error = "client revoked or webhook removed"
            session.commit()
            return
        body = json.dumps(event_body(delivery.event), separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "hmsverify-webhooks/1",
            EVENT_ID_HEADER: str(delivery.event_id),
            DELIVERY_ID_HEADER: str(delivery.id),
            SIGNATURE_HEADER: sign(client.webhook_secret, int(time.time()), body),
        }
        url = delivery.url
    status: int | None = None
    error: str | None = None
    try:
        status = post(
            url,
            body,
            headers,
            portal.settings.webhook_timeout_s,
            allow_private=portal.settings.webhook_allow_private,
        )
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except (OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    with portal.sessions() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.state != WebhookState.PENDING:
            return
        now = portal.clock()
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_status = status
        delivery.last_error = error
        if error is None:
            delivery.state = WebhookState.DELIVERED
            delivery.delivered_at = now
        elif attempt.last:
            delivery.state = WebhookState.FAILED
        session.commit()
        state = delivery.state
    if state == WebhookState.PENDING:
        log.info("webhook delivery %d: try %d failed (%s)", delivery_id, attempt.number, error)
        raise RetryLater(error or "failed")
    if state == WebhookState.FAILED:
        log.warning("webhook delivery %d failed for good: %s", delivery_id, error)


def delivery_handler(portal: Portal) -> Callable[[str, JobAttempt], None]:
    def handle(key: str, attempt: JobAttempt) -> None:
        deliver(portal, int(key), attempt)

    return handle


def dispatch_pending(portal: Portal) -> int:
    """Hands every pending delivery not yet queued (or queued long ago and never run) to the
    queue; returns how many. Marked before they are queued: a crash in between is caught by the
    requeue age, never by sending twice at once."""
    if portal.queue is None:
        return 0
    now = portal.clock()
    stale = now - dt.timedelta(seconds=portal.settings.webhook_requeue_after_s)
    with portal.sessions() as session:
        deliveries = session.scalars(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.state == WebhookState.PENDING,
                or_(
                    WebhookDelivery.enqueued_at.is_(None),
                    WebhookDelivery.enqueued_at < stale,
                ),
            )
            .order_by(WebhookDelivery.id)
            .limit(500)
        ).all()
        for delivery in deliveries:
            delivery.enqueued_at = now
        ids = [d.id for d in deliveries]
        session.commit()
    for delivery_id in ids:
        portal.queue.queue.enqueue_job(JOB_KIND, str(delivery_id))
    return len(ids)


def _dispatcher(portal: Portal) -> None:
    while not portal.stop.is_set():
        portal.webhook_wake.wait(portal.settings.webhook_dispatch_interval_s)
        portal.webhook_wake.clear()
        if portal.stop.is_set():
            return
        try:
            dispatch_pending(portal)
        except Exception:
            log.exception("webhook dispatch failed; retrying at the next interval")


def install(portal: Portal) -> threading.Thread:
    """In the portal process: the delivery handler for the embedded queue's job actor, a
    commit listener that wakes the dispatcher, and the dispatcher thread."""
    from verifier.queue import register_job_handler

    register_job_handler(JOB_KIND, delivery_handler(portal))

    def after_commit(session: object) -> None:
        info = getattr(session, "info", {})
        if info.pop(PENDING_DELIVERIES, False):
            portal.webhook_wake.set()

    event.listen(portal.sessions, "after_commit", after_commit)
    thread = threading.Thread(
        target=_dispatcher, args=(portal,), name="webhook-dispatcher", daemon=True
    )
    thread.start()
    portal.webhook_wake.set()  # deliveries left from before a restart go out at once
    return thread
