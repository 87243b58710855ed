"""Level 1 (`cards:read`): card lookups by number and by the QR code's content; and blocking a
lost card of the client's own company (`orders:write`)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Body, Path
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.card_codes import card_number_in_qr
from portal.lifecycle import TransitionError, block_card
from portal.models import Card

from ..deps import CardsRead, OrdersWrite, own_card
from ..problems import Problem, not_found
from ..views import card_view

router = APIRouter(tags=["cards"])

CARD_NUMBER = r"^\d{10}$"
_DIGITS = re.compile(CARD_NUMBER)


def _card(caller: CardsRead, number: str) -> Card:
    card = (
        caller.session.scalar(
            select(Card).where(Card.card_number == number).options(joinedload(Card.company))
        )
        if _DIGITS.match(number)
        else None
    )
    if card is None:
        raise not_found("card")
    return card


@router.get("/v1/cards/{card_number}", summary="Status, validity and company of a card")
def card_by_number(
    caller: CardsRead, card_number: Annotated[str, Path(pattern=CARD_NUMBER)]
) -> dict[str, object]:
    return card_view(_card(caller, card_number), caller.now)


@router.post(
    "/v1/cards/qr",
    summary="The same, plus the holder's name, from the QR code on the card",
)
def card_by_qr(
    caller: CardsRead, content: Annotated[str, Body(embed=True, max_length=500)]
) -> dict[str, object]:
    number = card_number_in_qr(content, caller.portal.settings.card_code_key)
    if number is None:
        raise Problem(
            422,
            "Not the content of an HMS card's QR code, or its code does not match the card.",
            kind="not-a-card-qr",
        )
    card = _card(caller, number)
    return {
        **card_view(card, caller.now),
        "holder": {"given_names": card.employee.given_names, "surname": card.employee.surname},
    }


@router.post("/v1/cards/{card_number}/block", summary="Block a lost or stolen card")
def block(
    caller: OrdersWrite, card_number: Annotated[str, Path(pattern=CARD_NUMBER)]
) -> dict[str, object]:
    card = own_card(caller, card_number)
    if card.status != "blocked":
        try:
            block_card(caller.context(), card)
        except TransitionError as exc:
            caller.session.rollback()
            raise Problem(
                409, f"A card that is {exc.state} cannot be blocked.", kind="card-state"
            ) from None
        caller.session.commit()
    return card_view(card, caller.now)
