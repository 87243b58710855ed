"""The order and card life cycle: every named transition from every state, and the rules and
sweeps built on them, against the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.lifecycle import (
    CARD_TRANSITIONS,
    ORDER_TRANSITIONS,
    Context,
    OrderNotAllowed,
    TransitionError,
    approve_order,
    attach_upload,
    block_card,
    luhn_digit,
    mark_employee_left,
    mark_employee_returned,
    move_card,
    move_order,
    place_order,
    record_check,
    review_upload,
    sweep,
)
from portal.models import (
    AuditEvent,
    Card,
    CardStatus,
    Employee,
    Order,
    OrderStatus,
    OutboxEmail,
    RegistryRecord,
    Upload,
    UploadState,
    User,
)
from portal.registry import DemoRegistry, Register
from portal.state import Portal
from tests.portal.support import World
from verifier.queue.storage import UploadKind

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def session(portal: Portal, world: World) -> Iterator[Session]:
    with portal.sessions() as s:
        yield s


def ctx_at(portal: Portal, session: Session, now: dt.datetime) -> Context:
    return Context(session, portal.settings, portal.files, DemoRegistry(session), now, "test")


def orderer(session: Session, world: World) -> User:
    return session.scalars(select(User).where(User.email == world.orderer_a)).one()


def new_order(
    portal: Portal, session: Session, world: World, employee_index: int = 0, now: dt.datetime = T0
) -> Order:
    employee = session.get(Employee, world.employees_a[employee_index])
    assert employee is not None
    return place_order(ctx_at(portal, session, now), employee, orderer(session, world))


def add_upload(
    portal: Portal, session: Session, order: Order, kind: UploadKind, now: dt.datetime = T0
) -> Upload:
    upload = Upload(
        id=secrets.token_hex(16),
        order_id=order.id,
        kind=kind,
        stored_name=portal.files.save(b"x"),
        source_format="jpeg",
        size_bytes=1,
        state=UploadState.QUEUED,
        created_at=now,
    )
    session.add(upload)
    session.flush()
    attach_upload(ctx_at(portal, session, now), order, upload)
    return upload


def passing_verdict(status: str = "pass") -> dict[str, object]:
    return {"status": status, "policy_version": "test", "results": []}


def approve_both(portal: Portal, session: Session, order: Order, now: dt.datetime = T0) -> None:
    ctx = ctx_at(portal, session, now)
    for kind in (UploadKind.PHOTO, UploadKind.ID_DOCUMENT):
        upload = add_upload(portal, session, order, kind, now)
        record_check(ctx, upload, UploadState.PASS, passing_verdict())


def outbox(session: Session) -> list[OutboxEmail]:
    return list(session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


@pytest.mark.parametrize("transition", sorted(ORDER_TRANSITIONS))
@pytest.mark.parametrize("state", list(OrderStatus))
def test_every_order_transition_from_every_state(
    portal: Portal, session: Session, world: World, transition: str, state: OrderStatus
) -> None:
    order = new_order(portal, session, world)
    order.status = state
    session.flush()
    allowed_from, target = ORDER_TRANSITIONS[transition]
    ctx = ctx_at(portal, session, T0)
    if state in allowed_from:
        move_order(ctx, order, transition)
        assert order.status == target
        events = session.scalars(
            select(AuditEvent.transition).where(AuditEvent.order_id == order.id)
        ).all()
        assert transition in events
    else:
        with pytest.raises(TransitionError):
            move_order(ctx, order, transition)
        assert order.status == state


def test_order_transition_table_is_the_documented_machine() -> None:
    reachable = {(frm, target) for allowed, target in ORDER_TRANSITIONS.values() for frm in allowed}
    assert reachable == {
        (OrderStatus.PENDING, OrderStatus.APPROVED),
        (OrderStatus.PENDING, OrderStatus.REJECTED),
        (OrderStatus.PENDING, OrderStatus.CANCELLED),
        (OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION),
        (OrderStatus.IN_PRODUCTION, OrderStatus.SHIPPED),
    }
    # Terminal states have no way out.
    for terminal in (OrderStatus.SHIPPED, OrderStatus.REJECTED, OrderStatus.CANCELLED):
        assert not any(terminal in allowed for allowed, _ in ORDER_TRANSITIONS.values())


@pytest.mark.parametrize("transition", sorted(CARD_TRANSITIONS))
@pytest.mark.parametrize("state", list(CardStatus))
def test_every_card_transition_from_every_state(
    portal: Portal, session: Session, world: World, transition: str, state: CardStatus
) -> None:
    order = new_order(portal, session, world)
    approve_both(portal, session, order)
    card = session.scalars(select(Card).where(Card.order_id == order.id)).one()
    card.status = state
    session.flush()
    allowed_from, target = CARD_TRANSITIONS[transition]
    ctx = ctx_at(portal, session, T0 + dt.timedelta(days=1))
    if state in allowed_from:
        move_card(ctx, card, transition)
        assert card.status == target
    else:
        with pytest.raises(TransitionError):
            move_card(ctx, card, transition)
        assert card.status == state


def test_order_is_approved_only_when_photo_id_and_registry_pass(
    portal: Portal, session: Session, world: World
) -> None:
    order = new_order(portal, session, world)
    ctx = ctx_at(portal, session, T0)
    photo = add_upload(portal, session, order, UploadKind.PHOTO)
    record_check(ctx, photo, UploadState.PASS, passing_verdict())
    assert order.status == OrderStatus.PENDING  # the ID document is still missing
    id_doc = add_upload(portal, session, order, UploadKind.ID_DOCUMENT)
    record_check(ctx, id_doc, UploadState.REVIEW, passing_verdict("review"))
    assert order.status == OrderStatus.PENDING  # borderline: waits for a reviewer
    reviewer = session.scalars(select(User).where(User.is_reviewer)).one()
    review_upload(ctx, id_doc, reviewer, approve=True, reason="ok")
    assert order.status == OrderStatus.APPROVED
    assert {r["passed"] for r in order.registry_result or []} == {"yes"}
    card = session.scalars(select(Card).where(Card.order_id == order.id)).one()
    assert card.status == CardStatus.VALID
    assert card.expires_at - card.issued_at == dt.timedelta(days=730)
    assert len(card.card_number) == 10 and luhn_digit(card.card_number[:9]) == card.card_number[9]
    mails = outbox(session)
    assert [m.recipient for m in mails] == [world.orderer_a]
    assert card.card_number in mails[0].body
    attachment = mails[0].attachments[0]
    assert attachment["filename"].endswith(".pdf")
    assert portal.files.read(attachment["stored_name"]).startswith(b"%PDF")


def test_registry_failure_rejects_with_reason_and_mail(
    portal: Portal, session: Session, world: World
) -> None:
    order = new_order(portal, session, world)
    nid = world.national_ids_a[0]
    session.execute(
        delete(RegistryRecord).where(
            RegistryRecord.register == str(Register.EMPLOYMENT), RegistryRecord.key.like(f"%:{nid}")
        )
    )
    approve_both(portal, session, order)
    assert order.status == OrderStatus.REJECTED
    assert order.reason_en and "Aa-register" in order.reason_en
    assert order.reason_nb and "Aa-registeret" in order.reason_nb
    mails = outbox(session)
    assert len(mails) == 1 and "Aa-register" in mails[0].body
    assert session.scalar(select(func.count()).select_from(Card)) == 0


def test_cleaning_company_needs_its_approval(
    portal: Portal, session: Session, world: World
) -> None:
    employee = session.get(Employee, world.employees_b[0])
    assert employee is not None
    user = session.scalars(select(User).where(User.email == world.orderer_b)).one()
    ctx = ctx_at(portal, session, T0)
    order = place_order(ctx, employee, user)
    session.execute(delete(RegistryRecord).where(RegistryRecord.register == str(Register.CLEANING)))
    approve_both(portal, session, order)
    assert order.status == OrderStatus.REJECTED
    assert order.reason_en and "cleaning" in order.reason_en


def test_verdict_recording_is_idempotent(portal: Portal, session: Session, world: World) -> None:
    order = new_order(portal, session, world)
    ctx = ctx_at(portal, session, T0)
    photo = add_upload(portal, session, order, UploadKind.PHOTO)
    record_check(ctx, photo, UploadState.FAIL, passing_verdict("fail"))
    record_check(ctx, photo, UploadState.PASS, passing_verdict())
    assert photo.state == UploadState.FAIL


def test_reviewer_rejection_keeps_order_pending_tells_orderer_and_a_retake_can_pass(
    portal: Portal, session: Session, world: World
) -> None:
    order = new_order(portal, session, world)
    ctx = ctx_at(portal, session, T0)
    photo = add_upload(portal, session, order, UploadKind.PHOTO)
    record_check(ctx, photo, UploadState.REVIEW, passing_verdict("review"))
    reviewer = session.scalars(select(User).where(User.is_reviewer)).one()
    review_upload(ctx, photo, reviewer, approve=False, reason="Skygge i ansiktet")
    assert order.status == OrderStatus.PENDING
    assert order.reason_nb and "Skygge i ansiktet" in order.reason_nb
    assert "Skygge i ansiktet" in outbox(session)[0].body
    with pytest.raises(TransitionError):
        review_upload(ctx, photo, reviewer, approve=True, reason="")
    approve_both(portal, session, order)
    assert order.status == OrderStatus.APPROVED


def test_stale_sweep_cancels_after_20_days_once(
    portal: Portal, session: Session, world: World
) -> None:
    stale = new_order(portal, session, world, 0, now=T0)
    fresh = new_order(portal, session, world, 1, now=T0 + dt.timedelta(days=2))
    at = T0 + dt.timedelta(days=20, seconds=1)
    first = sweep(ctx_at(portal, session, at))
    assert (first.cancelled, stale.status, fresh.status) == (
        1,
        OrderStatus.CANCELLED,
        OrderStatus.PENDING,
    )
    assert stale.reason_en and "20 days" in stale.reason_en
    second = sweep(ctx_at(portal, session, at))
    assert second.cancelled == 0
    mails = outbox(session)
    assert len(mails) == 1 and "kansellert" in mails[0].subject
    assert sweep(ctx_at(portal, session, T0 + dt.timedelta(days=19))).cancelled == 0


def test_card_expiry_and_one_reminder_a_month_before(
    portal: Portal, session: Session, world: World
) -> None:
    order = new_order(portal, session, world)
    approve_both(portal, session, order)
    card = session.scalars(select(Card).where(Card.order_id == order.id)).one()
    before = len(outbox(session))
    assert sweep(ctx_at(portal, session, card.expires_at - dt.timedelta(days=31))).reminded == 0
    report = sweep(ctx_at(portal, session, card.expires_at - dt.timedelta(days=29)))
    assert report.reminded == 1
    assert sweep(ctx_at(portal, session, card.expires_at - dt.timedelta(days=20))).reminded == 0
    reminders = outbox(session)[before:]
    assert sorted(m.recipient for m in reminders) == ["anna@alfa.example", "post@alfa.example"]
    assert card.status == CardStatus.VALID
    assert sweep(ctx_at(portal, session, card.expires_at)).expired == 1
    assert card.status == CardStatus.EXPIRED
    assert sweep(ctx_at(portal, session, card.expires_at + dt.timedelta(days=1))).expired == 0


def test_new_order_rules(portal: Portal, session: Session, world: World) -> None:
    order = new_order(portal, session, world)
    with pytest.raises(OrderNotAllowed):  # an open order exists
        new_order(portal, session, world)
    approve_both(portal, session, order)
    card = session.scalars(select(Card).where(Card.order_id == order.id)).one()
    order.status = OrderStatus.SHIPPED
    with pytest.raises(OrderNotAllowed) as info:  # a valid card runs for two years
        new_order(portal, session, world, now=T0 + dt.timedelta(days=100))
    assert "valid until" in info.value.message_en
    # Within a month of expiry a renewal is allowed.
    renewal = new_order(portal, session, world, now=card.expires_at - dt.timedelta(days=20))
    assert renewal.status == OrderStatus.PENDING


def test_blocked_card_does_not_count(portal: Portal, session: Session, world: World) -> None:
    order = new_order(portal, session, world)
    approve_both(portal, session, order)
    order.status = OrderStatus.SHIPPED
    card = session.scalars(select(Card).where(Card.order_id == order.id)).one()
    block_card(ctx_at(portal, session, T0 + dt.timedelta(days=5)), card)
    assert card.status == CardStatus.BLOCKED and card.blocked_at is not None
    replacement = new_order(portal, session, world, now=T0 + dt.timedelta(days=5))
    assert replacement.status == OrderStatus.PENDING


def test_blocking_a_lost_card_allows_a_replacement_at_once(
    portal: Portal, session: Session, world: World
) -> None:
    """The card is blocked while its order is still approved (not yet produced or shipped)."""
    order = new_order(portal, session, world)
    approve_both(portal, session, order)
    assert order.status == OrderStatus.APPROVED
    with pytest.raises(OrderNotAllowed):  # the approved order still counts before the block
        new_order(portal, session, world, now=T0 + dt.timedelta(days=1))
    card = session.scalars(select(Card).where(Card.order_id == order.id)).one()
    block_card(ctx_at(portal, session, T0 + dt.timedelta(days=1)), card)
    replacement = new_order(portal, session, world, now=T0 + dt.timedelta(days=1))
    assert replacement.status == OrderStatus.PENDING
    # The same holds while the lost card's order is in production.
    order.status = OrderStatus.IN_PRODUCTION
    replacement.status = OrderStatus.CANCELLED
    session.flush()
    assert new_order(portal, session, world, now=T0 + dt.timedelta(days=2)).status == "pending"


def test_registry_checks_run_when_the_order_is_placed(
    portal: Portal, session: Session, world: World
) -> None:
    nid = world.national_ids_a[1]
    session.execute(
        delete(RegistryRecord).where(
            RegistryRecord.register == str(Register.EMPLOYMENT), RegistryRecord.key.like(f"%:{nid}")
        )
    )
    with pytest.raises(OrderNotAllowed) as info:
        new_order(portal, session, world, employee_index=1)
    assert "Aa-registeret" in info.value.message_nb and "a-melding" in info.value.message_en
    assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_adding_a_person_missing_from_the_national_register_is_refused(
    portal: Portal, session: Session, world: World
) -> None:
    from portal.demo import national_ids
    from portal.models import Company
    from portal.staff import EmployeeRefused, add_employee, registry_status

    company = session.get(Company, world.company_a)
    assert company is not None
    unknown = national_ids(1, seed=12345)[0]  # valid digits, in no register
    with pytest.raises(EmployeeRefused) as info:
        add_employee(
            ctx_at(portal, session, T0),
            company,
            national_id=unknown,
            given_names="Ukjent",
            surname="Person",
            email="",
        )
    assert "Folkeregisteret" in info.value.message[0] and "D-number" in info.value.message[1]
    # In the national register but not employed here: added, and the page lists what is missing.
    session.add(RegistryRecord(register=str(Register.NATIONAL), key=unknown))
    ctx = ctx_at(portal, session, T0)
    employee = add_employee(
        ctx, company, national_id=unknown, given_names="Ny", surname="Person", email=""
    )
    missing = [c.register for c in registry_status(ctx, employee) if not c.passed]
    assert missing == [Register.EMPLOYMENT]


def test_reviewer_reason_ending_in_a_full_stop_gets_no_second_one(
    portal: Portal, session: Session, world: World
) -> None:
    order = new_order(portal, session, world)
    ctx = ctx_at(portal, session, T0)
    photo = add_upload(portal, session, order, UploadKind.PHOTO)
    record_check(ctx, photo, UploadState.REVIEW, passing_verdict("review"))
    reviewer = session.scalars(select(User).where(User.is_reviewer)).one()
    review_upload(ctx, photo, reviewer, approve=False, reason="Skygge i ansiktet.")
    assert order.reason_nb and "ansiktet. Be" in order.reason_nb and ".." not in order.reason_nb
    assert order.reason_en and ".." not in order.reason_en


def test_leaving_invalidates_and_returning_revalidates_within_validity(
    portal: Portal, session: Session, world: World
) -> None:
    order = new_order(portal, session, world)
    approve_both(portal, session, order)
    card = session.scalars(select(Card).where(Card.order_id == order.id)).one()
    employee = order.employee
    mark_employee_left(ctx_at(portal, session, T0 + dt.timedelta(days=10)), employee)
    assert card.status == CardStatus.INVALID
    with pytest.raises(OrderNotAllowed):
        new_order(portal, session, world, now=T0 + dt.timedelta(days=11))
    mark_employee_returned(ctx_at(portal, session, T0 + dt.timedelta(days=40)), employee)
    assert card.status == CardStatus.VALID
    # Leaving again, and returning only after the validity: the card stays invalid.
    mark_employee_left(ctx_at(portal, session, T0 + dt.timedelta(days=50)), employee)
    mark_employee_returned(
        ctx_at(portal, session, card.expires_at + dt.timedelta(days=1)), employee
    )
    assert card.status == CardStatus.INVALID


def test_leaving_cancels_a_pending_order(portal: Portal, session: Session, world: World) -> None:
    order = new_order(portal, session, world)
    mark_employee_left(ctx_at(portal, session, T0 + dt.timedelta(days=1)), order.employee)
    assert order.status == OrderStatus.CANCELLED


def test_upload_to_a_closed_order_is_refused(
    portal: Portal, session: Session, world: World
) -> None:
    order = new_order(portal, session, world)
    approve_both(portal, session, order)
    with pytest.raises(TransitionError):
        add_upload(portal, session, order, UploadKind.PHOTO)


def test_approve_twice_is_refused(portal: Portal, session: Session, world: World) -> None:
    order = new_order(portal, session, world)
    approve_both(portal, session, order)
    with pytest.raises(TransitionError):
        approve_order(ctx_at(portal, session, T0), order)
    assert session.scalar(select(func.count()).select_from(Card)) == 1


def test_a_new_portrait_makes_the_id_document_be_checked_again(
    portal: Portal, session: Session, world: World
) -> None:
    from portal.lifecycle import recheck_id_against_new_portrait

    order = new_order(portal, session, world)
    ctx = ctx_at(portal, session, T0)
    document = add_upload(portal, session, order, UploadKind.ID_DOCUMENT)
    record_check(ctx, document, UploadState.PASS, passing_verdict())
    photo = add_upload(portal, session, order, UploadKind.PHOTO)
    again = recheck_id_against_new_portrait(ctx, order, photo)
    assert again is not None and again.stored_name == document.stored_name
    assert order.id_upload_id == again.id and again.state == UploadState.QUEUED
    record_check(ctx, photo, UploadState.PASS, passing_verdict())
    assert order.status == OrderStatus.PENDING  # the earlier document verdict no longer counts
    record_check(ctx, again, UploadState.PASS, passing_verdict())
    assert order.status == OrderStatus.APPROVED
    # Without a document yet there is nothing to check again.
    other = new_order(portal, session, world, 1)
    assert (
        recheck_id_against_new_portrait(
            ctx, other, add_upload(portal, session, other, UploadKind.PHOTO)
        )
        is None
    )
