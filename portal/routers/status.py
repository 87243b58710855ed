"""The public card status lookup (by card number or the QR code on the temporary card).

It says valid / invalid / expired / blocked and the company name, nothing about the person.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from portal.deps import NowDep, PortalDep, SessionDep, client_key, page
from portal.models import Card, effective_card_status

router = APIRouter()

_CARD_NUMBER = re.compile(r"^\d{10}$")


@router.get("/status")
def lookup(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    now: NowDep,
    card: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    number = card.replace(" ", "").strip()
    result = None
    searched = bool(number)
    if searched:
        if not portal.status_limiter.allow(client_key(request)):
            raise HTTPException(
                status_code=429,
                detail=(
                    "For mange oppslag. Prøv igjen om litt.",
                    "Too many lookups. Try again shortly.",
                ),
            )
        found = (
            session.scalar(select(Card).where(Card.card_number == number))
            if _CARD_NUMBER.match(number)
            else None
        )
        if found is not None:
            status = effective_card_status(found, now)
            result = {
                "status": str(status),
                "company": found.company.name,
                "expires": found.expires_at.date().isoformat(),
                "blocked": found.blocked_at.date().isoformat() if found.blocked_at else None,
                "card_number": found.card_number,
            }
    return page(request, portal, "status.html", card=number, searched=searched, result=result)
