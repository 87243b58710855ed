"""The orderer's employees: list (search, paging), add by national id, leave/return, block card."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from portal.deps import (
    CompanyDep,
    ContextDep,
    CsrfDep,
    NowDep,
    PortalDep,
    SessionDep,
    UserDep,
    company_card,
    company_employee,
    flash,
    page,
)
from portal.lifecycle import block_card, mark_employee_left, mark_employee_returned
from portal.models import Card, Employee, Order
from portal.registry import missing
from portal.staff import EmployeeRefused, add_employee, registry_status

router = APIRouter()
log = logging.getLogger(__name__)


@router.get("/employees")
def list_employees(
    request: Request,
    portal: PortalDep,
    now: NowDep,
    session: SessionDep,
    user: UserDep,
    company: CompanyDep,
    q: Annotated[str, Query(max_length=100)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    size = portal.settings.employees_page_size
    query = select(Employee).where(Employee.company_id == company.id)
    count = select(func.count()).select_from(Employee).where(Employee.company_id == company.id)
    term = q.strip().lower()
    # Name search only: a national id must never travel in a URL, so digits are not searched.
    digits_only = bool(term) and term.replace(" ", "").isdigit()
    if digits_only:
        query = query.where(Employee.id.is_(None))
        count = count.where(Employee.id.is_(None))
    elif term:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Employee.name_key.like(f"%{escaped}%", escape="\\"))
        count = count.where(Employee.name_key.like(f"%{escaped}%", escape="\\"))
    total = session.scalar(count) or 0
    employees = list(
        session.scalars(
            query.order_by(Employee.name_key, Employee.id).limit(size).offset((page_no - 1) * size)
        )
    )
    ids = [e.id for e in employees]
    cards: dict[int, Card] = {}
    orders: dict[int, Order] = {}
    if ids:
        for card in session.scalars(
            select(Card).where(Card.employee_id.in_(ids)).order_by(Card.issued_at)
        ):
            cards[card.employee_id] = card  # the newest wins
        for order in session.scalars(
            select(Order).where(Order.employee_id.in_(ids)).order_by(Order.created_at)
        ):
            orders[order.employee_id] = order
    return page(
        request,
        portal,
        "employees.html",
        user=user,
        company=company,
        employees=employees,
        cards=cards,
        orders=orders,
        now=now,
        q="" if digits_only else q,
        digits_only=digits_only,
        page_no=page_no,
        pages=max(1, -(-total // size)),
        total=total,
    )


@router.get("/employees/new")
def new_employee_form(
    request: Request, portal: PortalDep, user: UserDep, company: CompanyDep
) -> Response:
    return page(
        request,
        portal,
        "employee_new.html",
        user=user,
        company=company,
        error=None,
        given_names="",
        surname="",
        email="",
    )


@router.post("/employees", dependencies=[CsrfDep])
def create_employee(
    request: Request,
    portal: PortalDep,
    context: ContextDep,
    user: UserDep,
    company: CompanyDep,
    national_id: Annotated[str, Form(max_length=20)],
    given_names: Annotated[str, Form(max_length=200)],
    surname: Annotated[str, Form(max_length=200)],
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    ctx = context(f"user:{user.id}")
    try:
        employee = add_employee(
            ctx,
            company,
            national_id=national_id,
            given_names=given_names,
            surname=surname,
            email=email,
        )
    except EmployeeRefused as exc:
        return page(
            request,
            portal,
            "employee_new.html",
            status_code=422,
            user=user,
            company=company,
            error=exc.message,
            given_names=given_names,
            surname=surname,
            email=email,
        )
    log.info("employee %d added to company %d", employee.id, company.id)
    if missing(registry_status(ctx, employee)):
        flash(
            request,
            f"{employee.name} er lagt til, men mangler i et register (se under). "
            "Det må rettes før kort kan bestilles.",
            f"{employee.name} was added but is missing from a register (see below). "
            "That must be put right before a card can be ordered.",
            kind="warn",
        )
    else:
        flash(request, f"{employee.name} er lagt til.", f"{employee.name} was added.")
    return RedirectResponse(f"/employees/{employee.id}", status_code=303)


@router.get("/employees/{employee_id}")
def show_employee(
    request: Request,
    portal: PortalDep,
    now: NowDep,
    context: ContextDep,
    session: SessionDep,
    user: UserDep,
    company: CompanyDep,
    employee_id: int,
) -> Response:
    employee = company_employee(session, company, employee_id)
    cards = session.scalars(
        select(Card).where(Card.employee_id == employee.id).order_by(Card.issued_at.desc())
    ).all()
    orders = session.scalars(
        select(Order).where(Order.employee_id == employee.id).order_by(Order.created_at.desc())
    ).all()
    return page(
        request,
        portal,
        "employee.html",
        user=user,
        company=company,
        employee=employee,
        cards=cards,
        orders=orders,
        error=request.session.pop("flash_error", None),
        now=now,
        registry_checks=registry_status(context(f"user:{user.id}"), employee),
    )


@router.post("/employees/{employee_id}/left", dependencies=[CsrfDep])
def employee_left(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    user: UserDep,
    company: CompanyDep,
    employee_id: int,
) -> Response:
    employee = company_employee(session, company, employee_id)
    mark_employee_left(context(f"user:{user.id}"), employee)
    session.commit()
    flash(
        request,
        f"{employee.name} er markert som sluttet; gyldige kort er gjort ugyldige.",
        f"{employee.name} is marked as having left; valid cards are now invalid.",
    )
    return RedirectResponse(f"/employees/{employee.id}", status_code=303)


@router.post("/employees/{employee_id}/returned", dependencies=[CsrfDep])
def employee_returned(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    user: UserDep,
    company: CompanyDep,
    employee_id: int,
) -> Response:
    employee = company_employee(session, company, employee_id)
    mark_employee_returned(context(f"user:{user.id}"), employee)
    session.commit()
    flash(
        request, f"{employee.name} er markert som tilbake.", f"{employee.name} is marked as back."
    )
    return RedirectResponse(f"/employees/{employee.id}", status_code=303)


@router.post("/cards/{card_id}/block", dependencies=[CsrfDep])
def block(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    user: UserDep,
    company: CompanyDep,
    card_id: int,
) -> Response:
    card = company_card(session, company, card_id)
    if card.status in ("valid", "invalid"):
        block_card(context(f"user:{user.id}"), card)
        session.commit()
        flash(
            request,
            f"Kort {card.card_number} er sperret. Du kan bestille et nytt kort nå.",
            f"Card {card.card_number} is blocked. You can order a new card now.",
        )
    return RedirectResponse(f"/employees/{card.employee_id}", status_code=303)
