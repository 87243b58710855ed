"""Webhooks through the real queue: signed deliveries to a local receiver that fails the first
attempts (retried with back-off until it answers), a receiver that never answers 2xx (given up,
still pollable), the owner's delivery log, and the signature check itself."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from sqlalchemy import select

from portal.models import WebhookDelivery
from portal.webhooks import (
    SIGNATURE_HEADER,
    NotPublic,
    check_public_host,
    post,
    sign,
    verify_signature,
)
from tests.api.support import ALL_SCOPES, Receiver, Served
from tests.portal.support import login


def test_signed_events_arrive_after_failed_attempts(served: Served, receiver: Receiver) -> None:
    receiver.fail_first = 2
    creds = served.new_client(ALL_SCOPES, webhook=receiver.url)
    assert creds.webhook_secret and creds.webhook_secret.startswith("whsec_")
    headers = served.bearer(creds)
    order = served.http.post(
        "/api/v1/orders", json={"employee_id": served.world.employees_a[7]}, headers=headers
    ).json()
    receiver.wait_for(lambda: len(receiver.events()) >= 1)
    assert receiver.answered[:3] == [500, 500, 200]
    first, second, third = receiver.received[:3]
    # The same event each time, each try signed afresh; the back-off grows.
    assert first.body == second.body == third.body
    assert (second.at - first.at) >= 0.09 and (third.at - second.at) >= 0.09
    for got in receiver.received[:3]:
        assert verify_signature(creds.webhook_secret, got.body, got.headers[SIGNATURE_HEADER])
        assert not verify_signature("whsec_other", got.body, got.headers[SIGNATURE_HEADER])
        assert not verify_signature(
            creds.webhook_secret, got.body + b" ", got.headers[SIGNATURE_HEADER]
        )
    event = json.loads(third.body)
    assert event["type"] == "order.created"
    assert event["data"] == {
        "order_id": order["id"],
        "employee_id": served.world.employees_a[7],
        "status": "pending",
    }
    assert third.headers["Hmsverify-Event-Id"] == str(event["id"])
    # The same event is in the polling feed.
    polled = served.http.get("/api/v1/events", params={"after": event["id"] - 1}, headers=headers)
    assert polled.json()["events"][0] == event

    # A state change is an event too: cancelling the order.
    served.http.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    receiver.wait_for(lambda: any(e["type"] == "order.status_changed" for e in receiver.events()))
    changed = next(e for e in receiver.events() if e["type"] == "order.status_changed")
    assert changed["data"]["status"] == "cancelled"  # type: ignore[index]
    assert changed["data"]["transition"] == "cancel"  # type: ignore[index]

    with served.portal.sessions() as session:
        delivery = session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.event_id == event["id"])
        ).one()
        assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 3, 200)

    # The owner sees the delivery log in the portal.
    with httpx.Client(base_url=served.url, follow_redirects=False) as owner:
        login(owner, served.world.orderer_a)  # type: ignore[arg-type]
        page = owner.get("/company/api-clients").text
        assert "order.created" in page and "delivered" in page
    with httpx.Client(base_url=served.url, follow_redirects=False) as other_owner:
        login(other_owner, served.world.orderer_b)  # type: ignore[arg-type]
        assert "order.created" not in other_owner.get("/company/api-clients").text


def test_a_receiver_that_keeps_failing_is_given_up_and_polling_still_works(
    served: Served, receiver: Receiver
) -> None:
    receiver.fail_first = 1_000
    creds = served.new_client(ALL_SCOPES, webhook=receiver.url)
    headers = served.bearer(creds)
    since = served.http.get("/api/v1/events", headers=headers).json()["next_after"]
    order = served.http.post(
        "/api/v1/orders", json={"employee_id": served.world.employees_b[0]}, headers=headers
    )
    assert order.status_code == 404  # company B's employee: no order, no event
    card_order = served.http.post(
        "/api/v1/employees",
        json={"national_id": "01010112345", "given_names": "X", "surname": "Y"},
        headers=headers,
    )
    assert card_order.status_code == 422  # refused: nothing happened, no event
    assert (
        served.http.get("/api/v1/events", params={"after": since}, headers=headers).json()["events"]
        == []
    )
    # Something that does produce an event: an order for a fresh employee of company A.
    from portal.demo import national_ids

    served.register_person(national_ids(45, seed=7)[-1])
    employee = served.http.post(
        "/api/v1/employees",
        json={"national_id": national_ids(45, seed=7)[-1], "given_names": "Kari", "surname": "N"},
        headers=headers,
    ).json()
    placed = served.http.post(
        "/api/v1/orders", json={"employee_id": employee["id"]}, headers=headers
    ).json()
    tries = 1 + served.portal.queue_settings.job_max_retries  # type: ignore[union-attr]
    deadline = time.monotonic() + 30
    state = None
    while time.monotonic() < deadline:
        with served.portal.sessions() as session:
            delivery = session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.api_client_id == creds.pk)
                .order_by(WebhookDelivery.id)
            ).first()
            state = (delivery.state, delivery.attempts) if delivery else None
        if state and state[0] == "failed":
            break
        time.sleep(0.1)
    assert state == ("failed", tries)
    assert len(receiver.received) == tries
    polled = served.http.get("/api/v1/events", params={"after": since}, headers=headers).json()
    assert [e["type"] for e in polled["events"]] == ["order.created"]
    assert polled["events"][0]["data"]["order_id"] == placed["id"]


def test_revoked_clients_get_no_more_deliveries(served: Served, receiver: Receiver) -> None:
    creds = served.new_client(ALL_SCOPES, webhook=receiver.url)
    headers = served.bearer(creds)
    from portal.demo import national_ids

    served.register_person(national_ids(46, seed=8)[-1])
    employee = served.http.post(
        "/api/v1/employees",
        json={"national_id": national_ids(46, seed=8)[-1], "given_names": "Per", "surname": "N"},
        headers=headers,
    ).json()
    with httpx.Client(base_url=served.url, follow_redirects=False) as owner:
        csrf = login(owner, served.world.orderer_a)  # type: ignore[arg-type]
        revoked = owner.post(f"/company/api-clients/{creds.pk}/revoke", data={"csrf_token": csrf})
        assert revoked.status_code == 303
    # The token stops working at once.
    refused = served.http.post(
        "/api/v1/orders", json={"employee_id": employee["id"]}, headers=headers
    )
    assert refused.status_code == 401
    # Another client's order makes an event, but none for the revoked client's webhook.
    other = served.bearer(served.new_client(["orders:write"]))
    placed = served.http.post("/api/v1/orders", json={"employee_id": employee["id"]}, headers=other)
    assert placed.status_code == 201
    time.sleep(1.0)  # five dispatcher intervals
    with served.portal.sessions() as session:
        mine = session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.api_client_id == creds.pk)
        ).all()
        assert mine == []
    assert receiver.received == []


def test_signature_format_and_replay_window() -> None:
    body = b'{"id":1}'
    header = sign("whsec_k", 1_800_000_000, body)
    assert header.startswith("t=1800000000,v1=") and len(header.split("v1=")[1]) == 64
    assert verify_signature("whsec_k", body, header, now=1_800_000_100)
    assert not verify_signature("whsec_k", body, header, now=1_800_000_000 + 301)
    assert not verify_signature("whsec_k", body, "v1=" + header.split("v1=")[1], now=1_800_000_000)
    assert not verify_signature("whsec_k", body, "garbage", now=1_800_000_000)


def test_webhooks_to_the_portals_own_networks_are_refused(receiver: Receiver) -> None:
    """An owner's webhook URL must not make the portal call loopback, private or link-local
    addresses (SSRF): refused before any connection unless the deployment allows it (the demo
    and these tests, whose receiver runs on 127.0.0.1)."""
    for url in (
        receiver.url,
        "http://localhost:9/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:9/x",
    ):
        with pytest.raises(NotPublic):
            post(url, b"{}", {}, timeout_s=1)
    assert receiver.received == []
    assert post(receiver.url, b"{}", {}, timeout_s=5, allow_private=True) in range(200, 300)
    assert len(receiver.received) == 1
    check_public_host("https://93.184.216.34/hook")  # a public address literal passes
