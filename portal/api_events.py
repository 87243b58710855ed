"""API events: what an API client hears about (a verdict arriving, an order or a card changing
state), written in the same transaction as the change, one row per event, plus one pending
webhook delivery per client of the company with a webhook URL.

`record_transition` is called by the life cycle for every audited transition; the event rows
serve polling (GET /api/v1/events) and the webhook deliveries (portal/webhooks.py) alike.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import (
    ApiClient,
    ApiEvent,
    Card,
    Order,
    Upload,
    WebhookDelivery,
    WebhookState,
)

# Set in `session.info` when a transaction wrote deliveries; the webhook dispatcher listens
# for commits that carry it, so a delivery goes out right after its change is committed.
PENDING_DELIVERIES = "hmsverify_webhook_deliveries"

ORDER_EVENTS = frozenset(
    {"approve", "reject", "cancel", "cancel_stale", "start_production", "ship"}
)
CARD_EVENTS = frozenset({"invalidate", "revalidate", "block", "expire"})


def order_data(order: Order) -> dict[str, object]:
    return {"order_id": order.id, "employee_id": order.employee_id, "status": str(order.status)}


def card_data(card: Card) -> dict[str, object]:
    return {
        "card_id": card.id,
        "card_number": card.card_number,
        "order_id": card.order_id,
        "employee_id": card.employee_id,
        "status": str(card.status),
        "expires_at": card.expires_at.isoformat(),
    }


def upload_data(upload: Upload) -> dict[str, object]:
    return {
        "order_id": upload.order_id,
        "upload_id": upload.id,
        "kind": str(upload.kind),
        "state": str(upload.state),
    }


def event_for(
    transition: str, *, order: Order | None, card: Card | None, upload: Upload | None
) -> tuple[str, dict[str, object]] | None:
    """The event type and data for an audited transition; None for those no client needs
    (reminders, internal re-checks)."""
    if transition == "place" and order is not None:
        return "order.created", order_data(order)
    if transition in ORDER_EVENTS and order is not None:
        return "order.status_changed", {**order_data(order), "transition": transition}
    if transition in ("check", "review") and upload is not None:
        kind = "upload.checked" if transition == "check" else "upload.reviewed"
        return kind, upload_data(upload)
    if transition == "issue_card" and card is not None:
        return "card.issued", card_data(card)
    if transition in CARD_EVENTS and card is not None:
        return "card.status_changed", {**card_data(card), "transition": transition}
    return None


def record_event(
    session: Session, now: dt.datetime, company_id: int, kind: str, data: dict[str, object]
) -> ApiEvent:
    event = ApiEvent(company_id=company_id, type=kind, payload=data, created_at=now)
    session.add(event)
    session.flush()
    hooked = session.scalars(
        select(ApiClient).where(
            ApiClient.company_id == company_id,
            ApiClient.revoked_at.is_(None),
            ApiClient.webhook_url.is_not(None),
        )
    ).all()
    for client in hooked:
        assert client.webhook_url is not None
        session.add(
            WebhookDelivery(
                event_id=event.id,
                api_client_id=client.id,
                url=client.webhook_url,
                state=WebhookState.PENDING,
                attempts=0,
                created_at=now,
            )
        )
    if hooked:
        session.info[PENDING_DELIVERIES] = True
    return event


def record_transition(
    session: Session,
    now: dt.datetime,
    transition: str,
    *,
    order: Order | None = None,
    card: Card | None = None,
    upload: Upload | None = None,
) -> None:
    found = event_for(transition, order=order, card=card, upload=upload)
    if found is None:
        return
    company_id = (
        order.company_id if order is not None else card.company_id if card is not None else None
    )
    if company_id is None:
        return
    record_event(session, now, company_id, *found)


def event_body(event: ApiEvent) -> dict[str, object]:
    """The JSON an event is polled and delivered as."""
    return {
        "id": event.id,
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "data": event.payload,
    }
