"""Polling (`orders:read`): the company's events after a cursor, oldest first — the same
events the webhooks deliver."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from portal.api_events import event_body
from portal.models import ApiEvent

from ..deps import OrdersRead

router = APIRouter(tags=["events"])


@router.get("/v1/events", summary="Events after a cursor (poll with the last id seen)")
def list_events(
    caller: OrdersRead,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, object]:
    events = caller.session.scalars(
        select(ApiEvent)
        .where(ApiEvent.company_id == caller.company.id, ApiEvent.id > after)
        .order_by(ApiEvent.id)
        .limit(limit)
    ).all()
    return {
        "events": [event_body(e) for e in events],
        "next_after": events[-1].id if events else after,
    }
