"""The order and card life cycle: every state change is one named transition in this module.

Order:  pending ─approve─▶ approved ─start_production─▶ in_production ─ship─▶ shipped
        pending ─reject─▶ rejected        pending ─cancel / cancel_stale─▶ cancelled
Card:   valid ─invalidate─▶ invalid ─revalidate─▶ valid (only inside the validity period)
        valid|invalid ─block─▶ blocked        valid|invalid ─expire─▶ expired

Callers pass `now`; nothing here reads the clock, so the tests can walk through 2 years.
Every transition writes an AuditEvent, and every e-mail goes to the outbox in the same
transaction as the change it reports.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.api_events import record_transition
from portal.card_codes import qr_content, status_url
from portal.card_pdf import temporary_card_pdf
from portal.files import FileStore
from portal.mail import Attachment, queue_email
from portal.models import (
    AuditEvent,
    Card,
    CardStatus,
    Company,
    Employee,
    Order,
    OrderStatus,
    Upload,
    UploadState,
    User,
)
from portal.registry import RegistryAdapter, RegistryQuery
from portal.settings import PortalSettings
from verifier import UploadKind


class TransitionError(Exception):
    """A transition asked of an object in a state that does not allow it."""

    def __init__(self, transition: str, state: str) -> None:
        super().__init__(f"{transition} is not allowed from {state}")
        self.transition = transition
        self.state = state


class OrderNotAllowed(Exception):
    """An order the rules forbid; carries the reason for the orderer in both languages."""

    def __init__(self, message_nb: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_nb = message_nb
        self.message_en = message_en


ORDER_TRANSITIONS: dict[str, tuple[frozenset[OrderStatus], OrderStatus]] = {
    "approve": (frozenset({OrderStatus.PENDING}), OrderStatus.APPROVED),
    "reject": (frozenset({OrderStatus.PENDING}), OrderStatus.REJECTED),
    "cancel": (frozenset({OrderStatus.PENDING}), OrderStatus.CANCELLED),
    "cancel_stale": (frozenset({OrderStatus.PENDING}), OrderStatus.CANCELLED),
    "start_production": (frozenset({OrderStatus.APPROVED}), OrderStatus.IN_PRODUCTION),
    "ship": (frozenset({OrderStatus.IN_PRODUCTION}), OrderStatus.SHIPPED),
}

CARD_TRANSITIONS: dict[str, tuple[frozenset[CardStatus], CardStatus]] = {
    "invalidate": (frozenset({CardStatus.VALID}), CardStatus.INVALID),
    "revalidate": (frozenset({CardStatus.INVALID}), CardStatus.VALID),
    "block": (frozenset({CardStatus.VALID, CardStatus.INVALID}), CardStatus.BLOCKED),
    "expire": (frozenset({CardStatus.VALID, CardStatus.INVALID}), CardStatus.EXPIRED),
}

# Upload states that count as approved for the order (by the verifier or by a reviewer).
ACCEPTED_UPLOAD_STATES = frozenset({UploadState.PASS, UploadState.APPROVED})


@dataclass
class Context:
    """What a transition needs besides its object: the unit of work, settings, time and actor."""

    session: Session
    settings: PortalSettings
    files: FileStore
    registry: RegistryAdapter
    now: dt.datetime
    actor: str


def _audit(
    ctx: Context,
    transition: str,
    *,
    order: Order | None = None,
    card: Card | None = None,
    upload: Upload | None = None,
    detail: str = "",
) -> None:
    ctx.session.add(
        AuditEvent(
            at=ctx.now,
            transition=transition,
            order_id=order.id if order else None,
            card_id=card.id if card else None,
            actor=ctx.actor,
            detail=detail,
        )
    )
    # API clients hear about the same transitions (polling and webhooks), in this transaction.
    record_transition(ctx.session, ctx.now, transition, order=order, card=card, upload=upload)


def move_order(ctx: Context, order: Order, transition: str, detail: str = "") -> None:
    allowed_from, target = ORDER_TRANSITIONS[transition]
    if OrderStatus(order.status) not in allowed_from:
        raise TransitionError(transition, order.status)
    order.status = target
    order.updated_at = ctx.now
    ctx.session.flush()
    _audit(ctx, transition, order=order, detail=detail)


def move_card(ctx: Context, card: Card, transition: str, detail: str = "") -> None:
    allowed_from, target = CARD_TRANSITIONS[transition]
    if CardStatus(card.status) not in allowed_from:
        raise TransitionError(transition, card.status)
    if transition == "revalidate" and card.expires_at <= ctx.now:
        raise TransitionError(transition, "past validity")
    card.status = target
    if target is CardStatus.BLOCKED:
        card.blocked_at = ctx.now
    ctx.session.flush()
    _audit(ctx, transition, card=card, order=card.order, detail=detail)


# ---------------------------------------------------------------- ordering


def blocking_card(
    session: Session, employee: Employee, now: dt.datetime, reminder_days: int
) -> Card | None:
    """A valid card that still runs longer than the reminder window forbids a new order."""
    return session.scalar(
        select(Card).where(
            Card.employee_id == employee.id,
            Card.status == CardStatus.VALID,
            Card.expires_at > now + dt.timedelta(days=reminder_days),
        )
    )


def open_order(session: Session, employee: Employee) -> Order | None:
    """The employee's order still on its way to a card: pending, or approved / in production
    with its card not blocked. Blocking a lost card ends its order's claim at once, so a
    replacement can be ordered without waiting for the lost card's production to finish."""
    blocked_card = select(Card.id).where(
        Card.order_id == Order.id, Card.status == CardStatus.BLOCKED
    )
    return session.scalar(
        select(Order).where(
            Order.employee_id == employee.id,
            (Order.status == OrderStatus.PENDING)
            | (
                Order.status.in_([OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION])
                & ~blocked_card.exists()
            ),
        )
    )


def place_order(ctx: Context, employee: Employee, orderer: User) -> Order:
    if employee.left_at is not None:
        raise OrderNotAllowed(
            "Den ansatte er markert som sluttet.", "The employee is marked as having left."
        )
    card = blocking_card(ctx.session, employee, ctx.now, ctx.settings.expiry_reminder_days)
    if card is not None:
        raise OrderNotAllowed(
            f"Den ansatte har et gyldig kort til {card.expires_at.date().isoformat()}. "
            "Nytt kort kan bestilles når det går ut innen en måned, eller hvis kortet sperres.",
            f"The employee holds a card valid until {card.expires_at.date().isoformat()}. "
            "A new one can be ordered within a month of expiry, or after the card is blocked.",
        )
    if open_order(ctx.session, employee) is not None:
        raise OrderNotAllowed(
            "Det finnes allerede en åpen bestilling for denne ansatte.",
            "There is already an open order for this employee.",
        )
    failed = [
        c
        for c in ctx.registry.check(
            RegistryQuery(
                employee.national_id, employee.company.org_number, employee.company.industry
            )
        )
        if not c.passed
    ]
    if failed:
        # Checked here, before anyone uploads anything; `evaluate` checks again at approval.
        raise OrderNotAllowed(
            " ".join(c.message_nb for c in failed), " ".join(c.message_en for c in failed)
        )
    order = Order(
        company_id=employee.company_id,
        employee_id=employee.id,
        orderer_id=orderer.id,
        status=OrderStatus.PENDING,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(order)
    ctx.session.flush()
    _audit(ctx, "place", order=order)
    return order


def cancel_order(ctx: Context, order: Order) -> None:
    move_order(ctx, order, "cancel")
    order.reason_nb = "Kansellert av bestiller."
    order.reason_en = "Cancelled by the orderer."


# ---------------------------------------------------------------- verdicts and review


def attach_upload(ctx: Context, order: Order, upload: Upload) -> None:
    """A new upload becomes the one that counts for its kind, replacing any earlier try."""
    if order.status != OrderStatus.PENDING:
        raise TransitionError("upload", order.status)
    if upload.kind == UploadKind.PHOTO:
        order.photo_upload_id = upload.id
    else:
        order.id_upload_id = upload.id
    order.updated_at = ctx.now


def recheck_id_against_new_portrait(ctx: Context, order: Order, photo: Upload) -> Upload | None:
    """A new portrait makes the ID document's face match stale: the document is checked again
    (a new upload row over the same stored file) against the new portrait. Otherwise one person's
    document could vouch for another person's photo."""
    if photo.kind != UploadKind.PHOTO or order.id_upload_id is None:
        return None
    document = ctx.session.get(Upload, order.id_upload_id)
    if document is None:
        return None
    again = Upload(
        id=secrets.token_hex(16),
        order_id=order.id,
        kind=UploadKind.ID_DOCUMENT,
        stored_name=document.stored_name,
        source_format=document.source_format,
        size_bytes=document.size_bytes,
        religious_headgear=False,
        state=UploadState.QUEUED,
        created_at=ctx.now,
    )
    ctx.session.add(again)
    ctx.session.flush()
    attach_upload(ctx, order, again)
    _audit(ctx, "recheck_id", order=order, detail=f"new portrait {photo.id[:8]}")
    return again


def record_check(
    ctx: Context, upload: Upload, state: UploadState, verdict: dict[str, object]
) -> None:
    """The verifier's verdict for one upload (idempotent: a repeat delivery changes nothing)."""
    if upload.state != UploadState.QUEUED:
        return
    upload.state = state
    upload.verdict = verdict
    upload.checked_at = ctx.now
    ctx.session.flush()
    _audit(
        ctx,
        "check",
        order=upload.order,
        upload=upload,
        detail=f"{upload.kind} {upload.id[:8]}: {state}",
    )
    evaluate(ctx, upload.order)


def review_upload(
    ctx: Context, upload: Upload, reviewer: User, *, approve: bool, reason: str
) -> None:
    if upload.state not in (UploadState.REVIEW, UploadState.ERROR):
        raise TransitionError("review", upload.state)
    order = upload.order
    upload.state = UploadState.APPROVED if approve else UploadState.REJECTED
    upload.reviewer_id = reviewer.id
    upload.reviewed_at = ctx.now
    upload.review_reason = reason
    ctx.session.flush()
    _audit(
        ctx,
        "review",
        order=order,
        upload=upload,
        detail=f"{upload.kind} {'approved' if approve else 'rejected'}",
    )
    if not approve:
        # The reason reads as a sentence inside ours: no doubled full stop.
        reason = reason.strip().rstrip(".")
        what = "portrettet" if upload.kind == UploadKind.PHOTO else "ID-dokumentet"
        what_en = "portrait" if upload.kind == UploadKind.PHOTO else "identity document"
        order.reason_nb = (
            f"Saksbehandler avviste {what}: {reason}. Be den ansatte laste opp på nytt."
        )
        order.reason_en = (
            f"A reviewer rejected the {what_en}: {reason}. Ask the employee to upload again."
        )
        order.updated_at = ctx.now
        queue_email(
            ctx.session,
            recipient=_orderer_address(order),
            subject=f"HMS-kort: {what} avvist / {what_en} rejected (bestilling {order.id})",
            body=(
                f"{order.reason_nb}\n\n{order.reason_en}\n\n"
                f"Bestilling / order {order.id}: {ctx.settings.base_url}/orders/{order.id}\n"
            ),
            now=ctx.now,
        )
        return
    evaluate(ctx, order)


def _upload_state(session: Session, upload_id: str | None) -> str | None:
    if upload_id is None:
        return None
    return session.scalar(select(Upload.state).where(Upload.id == upload_id))


def evaluate(ctx: Context, order: Order) -> None:
    """Approves or rejects a pending order once both uploads are accepted."""
    if order.status != OrderStatus.PENDING:
        return
    photo = _upload_state(ctx.session, order.photo_upload_id)
    id_doc = _upload_state(ctx.session, order.id_upload_id)
    if photo not in ACCEPTED_UPLOAD_STATES or id_doc not in ACCEPTED_UPLOAD_STATES:
        return
    employee, company = order.employee, order.company
    checks = ctx.registry.check(
        RegistryQuery(employee.national_id, company.org_number, company.industry)
    )
    order.registry_result = [c.to_dict() for c in checks]
    failed = [c for c in checks if not c.passed]
    if failed:
        reject_order(
            ctx,
            order,
            " ".join(c.message_nb for c in failed),
            " ".join(c.message_en for c in failed),
        )
        return
    approve_order(ctx, order)


def reject_order(ctx: Context, order: Order, reason_nb: str, reason_en: str) -> None:
    move_order(ctx, order, "reject")
    order.reason_nb, order.reason_en = reason_nb, reason_en
    queue_email(
        ctx.session,
        recipient=_orderer_address(order),
        subject=f"HMS-kort: bestilling {order.id} avvist / order rejected",
        body=(
            f"Bestillingen av HMS-kort for {order.employee.name} ble avvist.\n{reason_nb}\n"
            "Rett opp forholdet og bestill på nytt.\n\n"
            f"The HSE card order for {order.employee.name} was rejected.\n{reason_en}\n"
            "Correct it and order again.\n\n"
            f"{ctx.settings.base_url}/orders/{order.id}\n"
        ),
        now=ctx.now,
    )


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return str((10 - total % 10) % 10)


def new_card_number(session: Session) -> str:
    while True:
        body = f"{secrets.randbelow(10**9):09d}"
        number = body + luhn_digit(body)
        if session.scalar(select(Card.id).where(Card.card_number == number)) is None:
            return number


def approve_order(ctx: Context, order: Order) -> Card:
    move_order(ctx, order, "approve")
    order.reason_nb, order.reason_en = None, None
    card = Card(
        card_number=new_card_number(ctx.session),
        order_id=order.id,
        employee_id=order.employee_id,
        company_id=order.company_id,
        status=CardStatus.VALID,
        issued_at=ctx.now,
        expires_at=ctx.now + dt.timedelta(days=ctx.settings.card_valid_days),
    )
    ctx.session.add(card)
    ctx.session.flush()
    _audit(ctx, "issue_card", order=order, card=card)
    portrait = None
    photo = ctx.session.get(Upload, order.photo_upload_id) if order.photo_upload_id else None
    if photo is not None and photo.crop_name:
        portrait = ctx.files.read(photo.crop_name)
    pdf = temporary_card_pdf(
        name=order.employee.name,
        company=order.company.name,
        card_number=card.card_number,
        expires=card.expires_at.date(),
        portrait_jpeg=portrait,
        status_link=status_url(ctx.settings.base_url, card.card_number),
        qr_content=qr_content(ctx.settings.base_url, card.card_number, ctx.settings.card_code_key),
    )
    stored = ctx.files.save(pdf)
    queue_email(
        ctx.session,
        recipient=_orderer_address(order),
        subject=f"HMS-kort godkjent / HSE card approved: {order.employee.name}",
        body=(
            f"Bestillingen er godkjent. Kortnummer {card.card_number}, gyldig til "
            f"{card.expires_at.date().isoformat()}. Det midlertidige kortet ligger vedlagt.\n\n"
            f"The order is approved. Card number {card.card_number}, valid until "
            f"{card.expires_at.date().isoformat()}. The temporary card is attached.\n\n"
            f"Status: {status_url(ctx.settings.base_url, card.card_number)}\n"
        ),
        now=ctx.now,
        attachments=(Attachment(f"midlertidig-hms-kort-{card.card_number}.pdf", stored),),
    )
    return card


def start_production(ctx: Context, order: Order) -> None:
    move_order(ctx, order, "start_production")


def ship_order(ctx: Context, order: Order) -> None:
    move_order(ctx, order, "ship")


# ---------------------------------------------------------------- cards and employees


def block_card(ctx: Context, card: Card) -> None:
    move_card(ctx, card, "block")


def mark_employee_left(ctx: Context, employee: Employee) -> None:
    if employee.left_at is not None:
        return
    employee.left_at = ctx.now
    for card in ctx.session.scalars(
        select(Card).where(Card.employee_id == employee.id, Card.status == CardStatus.VALID)
    ):
        move_card(ctx, card, "invalidate", "employee left")
    for order in ctx.session.scalars(
        select(Order).where(Order.employee_id == employee.id, Order.status == OrderStatus.PENDING)
    ):
        move_order(ctx, order, "cancel", "employee left")
        order.reason_nb = "Den ansatte har sluttet."
        order.reason_en = "The employee has left."


def mark_employee_returned(ctx: Context, employee: Employee) -> None:
    if employee.left_at is None:
        return
    employee.left_at = None
    for card in ctx.session.scalars(
        select(Card).where(
            Card.employee_id == employee.id,
            Card.status == CardStatus.INVALID,
            Card.expires_at > ctx.now,
        )
    ):
        move_card(ctx, card, "revalidate", "employee returned")


# ---------------------------------------------------------------- the periodic sweep


@dataclass(frozen=True)
class SweepReport:
    cancelled: int
    expired: int
    reminded: int


def _company_contacts(session: Session, company: Company) -> set[str]:
    # A company first stored from the registry may have no address on file.
    return {company.contact_email} - {""}


def _orderer_address(order: Order) -> str:
    """The orderer's e-mail, or the company's when a person who logs in through OpenID Connect
    has none on file."""
    return order.orderer.email or order.company.contact_email


def sweep(ctx: Context) -> SweepReport:
    """Stale orders, card expiry and expiry reminders. Running it twice changes nothing more."""
    stale_before = ctx.now - dt.timedelta(days=ctx.settings.pending_order_days)
    cancelled = 0
    for order in ctx.session.scalars(
        select(Order).where(Order.status == OrderStatus.PENDING, Order.created_at <= stale_before)
    ).all():
        move_order(ctx, order, "cancel_stale")
        order.reason_nb = f"Ikke fullført innen {ctx.settings.pending_order_days} dager."
        order.reason_en = f"Not completed within {ctx.settings.pending_order_days} days."
        queue_email(
            ctx.session,
            recipient=_orderer_address(order),
            subject=f"HMS-kort: bestilling {order.id} kansellert / order cancelled",
            body=(
                f"Bestillingen for {order.employee.name} ble kansellert: {order.reason_nb} "
                "Bestill på nytt når bilde og ID-dokument er klare.\n\n"
                f"The order for {order.employee.name} was cancelled: {order.reason_en} "
                "Order again when photo and identity document are ready.\n"
            ),
            now=ctx.now,
        )
        cancelled += 1

    expired = 0
    for card in ctx.session.scalars(
        select(Card).where(
            Card.status.in_([CardStatus.VALID, CardStatus.INVALID]), Card.expires_at <= ctx.now
        )
    ).all():
        move_card(ctx, card, "expire")
        expired += 1

    reminded = 0
    remind_before = ctx.now + dt.timedelta(days=ctx.settings.expiry_reminder_days)
    for card in ctx.session.scalars(
        select(Card).where(
            Card.status == CardStatus.VALID,
            Card.expires_at <= remind_before,
            Card.reminder_sent_at.is_(None),
        )
    ).all():
        card.reminder_sent_at = ctx.now
        recipients = (
            {_orderer_address(card.order)} | _company_contacts(ctx.session, card.company)
        ) - {""}
        for recipient in sorted(recipients):
            queue_email(
                ctx.session,
                recipient=recipient,
                subject=f"HMS-kort går ut / HSE card expires {card.expires_at.date().isoformat()}",
                body=(
                    f"HMS-kort {card.card_number} for {card.employee.name} ({card.company.name}) går ut "
                    f"{card.expires_at.date().isoformat()}. Bestill nytt kort i portalen.\n\n"
                    f"HSE card {card.card_number} for {card.employee.name} expires "
                    f"{card.expires_at.date().isoformat()}. Order a new card in the portal.\n"
                ),
                now=ctx.now,
            )
        _audit(ctx, "expiry_reminder", card=card, order=card.order)
        reminded += 1
    return SweepReport(cancelled, expired, reminded)
