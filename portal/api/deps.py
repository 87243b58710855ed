"""The API's request dependencies: the bearer token with a scope, the client's rate limit, and
lookups confined to the client's own company (another company's objects answer 404)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.contexts import lifecycle_context
from portal.lifecycle import Context
from portal.models import ApiClient, Card, Company, Employee, Order, Upload, User
from portal.oauth import OAuth2Error, authenticate_bearer
from portal.state import Portal

from .problems import Problem, not_found


@dataclass
class Caller:
    """The API client a request acts as, its company, and the user orders are placed under
    (the owner who made the client: receipts and notices go to them)."""

    client: ApiClient
    company: Company
    orderer: User
    session: Session
    portal: Portal
    now: dt.datetime

    @property
    def actor(self) -> str:
        return f"api:{self.client.client_id}"

    def context(self) -> Context:
        return lifecycle_context(self.portal, self.session, self.actor, now=self.now)


def _authenticate(
    request: Request, portal: Portal, session: Session, now: dt.datetime, scope: str
) -> Caller:
    try:
        client = authenticate_bearer(session, now, request.headers, [scope])
    except OAuth2Error as error:
        insufficient = error.error == "insufficient_scope"
        status = 403 if insufficient else 401
        challenge = f'Bearer error="{error.error}"'
        if insufficient:
            challenge += f', scope="{scope}"'
        raise Problem(
            status,
            error.description or error.error,
            kind=error.error,
            headers={"WWW-Authenticate": challenge},
        ) from None
    limit = portal.settings.api_rate_limit
    if not portal.api_limiter.allow(f"client:{client.id}"):
        raise Problem(
            429,
            f"More than {limit.count} requests in {limit.window_s:g} s.",
            kind="rate-limited",
            headers={"Retry-After": str(max(1, round(limit.window_s / limit.count)))},
        )
    return Caller(client, client.company, client.creator, session, portal, now)


def require(scope: str) -> Callable[..., Iterator[Caller]]:
    """A dependency: the caller, holding a valid token with `scope`.

    One dependency opens the session, reads the clock and checks the token: FastAPI runs each
    synchronous dependency on its thread pool separately, and on a level 1 lookup those hops
    cost more than the database."""

    def dependency(request: Request) -> Iterator[Caller]:
        portal: Portal = request.app.state.portal
        with portal.sessions() as session:
            yield _authenticate(request, portal, session, portal.clock(), scope)

    dependency.__name__ = f"require_{scope.replace(':', '_')}"
    return dependency


CardsRead = Annotated[Caller, Depends(require("cards:read"))]
EmployeesWrite = Annotated[Caller, Depends(require("employees:write"))]
OrdersWrite = Annotated[Caller, Depends(require("orders:write"))]
OrdersRead = Annotated[Caller, Depends(require("orders:read"))]
UploadsWrite = Annotated[Caller, Depends(require("uploads:write"))]


def own_employee(caller: Caller, employee_id: int) -> Employee:
    employee = caller.session.get(Employee, employee_id)
    if employee is None or employee.company_id != caller.company.id:
        raise not_found("employee")
    return employee


def own_order(caller: Caller, order_id: int) -> Order:
    order = caller.session.get(Order, order_id)
    if order is None or order.company_id != caller.company.id:
        raise not_found("order")
    return order


def own_upload(caller: Caller, upload_id: str) -> Upload:
    upload = caller.session.get(Upload, upload_id) if len(upload_id) == 32 else None
    if upload is None or upload.order.company_id != caller.company.id:
        raise not_found("upload")
    return upload


def own_card(caller: Caller, card_number: str) -> Card:
    card = caller.session.scalar(select(Card).where(Card.card_number == card_number))
    if card is None or card.company_id != caller.company.id:
        raise not_found("card")
    return card
