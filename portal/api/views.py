"""How the API shows the portal's objects (plain JSON; the OpenAPI document names the fields)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Card, CardStatus, Employee, Order, Upload
from portal.security import mask_national_id


def card_status(card: Card, now: dt.datetime) -> str:
    """The sweep marks expiry; between sweeps the date still decides (as the status page)."""
    if card.status in (CardStatus.VALID, CardStatus.INVALID) and card.expires_at <= now:
        return str(CardStatus.EXPIRED)
    return str(card.status)


def card_view(card: Card, now: dt.datetime) -> dict[str, object]:
    """Level 1: status, validity and company; nothing about the person."""
    return {
        "card_number": card.card_number,
        "status": card_status(card, now),
        "valid": card_status(card, now) == CardStatus.VALID,
        "issued_at": card.issued_at.isoformat(),
        "expires_at": card.expires_at.isoformat(),
        "company": {"name": card.company.name, "org_number": card.company.org_number},
    }


def employee_view(employee: Employee) -> dict[str, object]:
    return {
        "id": employee.id,
        "given_names": employee.given_names,
        "surname": employee.surname,
        "national_id_masked": mask_national_id(employee.national_id),
        "email": employee.email,
        "left_at": employee.left_at.isoformat() if employee.left_at else None,
    }


def upload_view(upload: Upload | None) -> dict[str, object] | None:
    if upload is None:
        return None
    verdict = upload.verdict or {}
    return {
        "id": upload.id,
        "kind": str(upload.kind),
        "state": str(upload.state),
        "created_at": upload.created_at.isoformat(),
        "checked_at": upload.checked_at.isoformat() if upload.checked_at else None,
        "policy_version": verdict.get("policy_version"),
        "review_reason": upload.review_reason,
        "rules": [
            {
                key: result.get(key)
                for key in ("rule", "status", "value", "threshold", "message_nb", "message_en")
            }
            for result in upload.rule_results
            if isinstance(result, dict)
        ],
    }


def order_view(session: Session, order: Order, now: dt.datetime) -> dict[str, object]:
    photo = session.get(Upload, order.photo_upload_id) if order.photo_upload_id else None
    document = session.get(Upload, order.id_upload_id) if order.id_upload_id else None
    card = session.scalar(select(Card).where(Card.order_id == order.id))
    return {
        "id": order.id,
        "employee_id": order.employee_id,
        "status": str(order.status),
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
        "reason": (
            {"nb": order.reason_nb, "en": order.reason_en}
            if order.reason_nb or order.reason_en
            else None
        ),
        "photo": upload_view(photo),
        "id_document": upload_view(document),
        "registry_checks": order.registry_result,
        "card": card_view(card, now) if card is not None else None,
    }
