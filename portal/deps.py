"""Request dependencies: the database session, the login, the active company, CSRF.

`current_user` is THE login dependency: the password login and the OpenID Connect login
(portal/routers/oidc.py) both end in a session naming a User, and routes only ever ask for one.
`current_access` is the company the user acts for and why (portal/delegation.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Form, Header, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.contexts import lifecycle_context
from portal.delegation import CompanyAccess, company_access
from portal.i18n import LANGS, lang_of
from portal.lifecycle import Context
from portal.models import Card, Company, CompanyRole, Employee, Order, User
from portal.registry import RegistryAdapter
from portal.security import csrf_matches, new_csrf_token
from portal.state import Portal


def get_portal(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


def get_session(portal: Annotated[Portal, Depends(get_portal)]) -> Iterator[Session]:
    with portal.sessions() as session:
        yield session


PortalDep = Annotated[Portal, Depends(get_portal)]
# Closed when the route returns, before the response goes out: the session middleware then
# writes the login session with a connection of its own, and a request never holds two (which
# under load starved the pool).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def request_time(portal: PortalDep) -> dt.datetime:
    """ "Now" for this request, read once from the portal's clock."""
    return portal.clock()


def get_registry(portal: PortalDep, session: SessionDep) -> RegistryAdapter:
    """The registry adapter HMSVERIFY_REGISTRY configured, on this request's session."""
    return portal.registry(session)


NowDep = Annotated[dt.datetime, Depends(request_time)]
RegistryDep = Annotated[RegistryAdapter, Depends(get_registry)]
# Makes the life-cycle context for an actor ("user:7", "reviewer:2", "share-link").
ContextFor = Callable[[str], Context]


def transition_context(
    portal: PortalDep, session: SessionDep, registry: RegistryDep, now: NowDep
) -> ContextFor:
    def for_actor(actor: str) -> Context:
        return lifecycle_context(portal, session, actor, registry=registry, now=now)

    return for_actor


ContextDep = Annotated[ContextFor, Depends(transition_context)]


def current_user(request: Request, session: SessionDep) -> User:
    """The logged-in person, or 401 (which the app turns into a redirect to /login)."""
    user_id = request.session.get("user_id")
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise HTTPException(status_code=401)
    return user


UserDep = Annotated[User, Depends(current_user)]


def user_companies(session: Session, user: User) -> list[Company]:
    return list(
        session.scalars(
            select(Company)
            .join(CompanyRole, CompanyRole.company_id == Company.id)
            .where(CompanyRole.user_id == user.id)
            .order_by(Company.name)
        )
    )


def current_access(
    request: Request,
    session: SessionDep,
    registry: RegistryDep,
    user: UserDep,
    now: NowDep,
) -> CompanyAccess:
    """The company the orderer acts for now and why: one they hold a registry role in, a valid
    delegation for, or a portal grant (portal/delegation.py). Checked on every request, so a
    revoked or ended delegation stops working at once."""
    accesses = company_access(session, registry, user, now)
    # The header's company switcher lists them (see `page`).
    request.state.companies = [access.company for access in accesses]
    company_id = request.session.get("company_id")
    active = next((a for a in accesses if a.company.id == company_id), None)
    if active is None:
        if not accesses:
            raise HTTPException(status_code=403, detail="no company role")
        active = accesses[0]
        request.session["company_id"] = active.company.id
    request.state.can_delegate = active.can_delegate
    return active


AccessDep = Annotated[CompanyAccess, Depends(current_access)]


def current_company(access: AccessDep) -> Company:
    """The company the orderer acts for now."""
    return access.company


CompanyDep = Annotated[Company, Depends(current_company)]


def require_reviewer(user: UserDep) -> User:
    if not user.is_reviewer:
        raise HTTPException(status_code=403)
    return user


ReviewerDep = Annotated[User, Depends(require_reviewer)]


def company_employee(session: SessionDep, company: CompanyDep, employee_id: int) -> Employee:
    """The employee if they belong to the active company; 404 otherwise (no existence leak)."""
    employee = session.get(Employee, employee_id)
    if employee is None or employee.company_id != company.id:
        raise HTTPException(status_code=404)
    return employee


def company_card(session: SessionDep, company: CompanyDep, card_id: int) -> Card:
    card = session.get(Card, card_id)
    if card is None or card.company_id != company.id:
        raise HTTPException(status_code=404)
    return card


def company_order(session: SessionDep, company: CompanyDep, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None or order.company_id != company.id:
        raise HTTPException(status_code=404)
    return order


def client_key(request: Request) -> str:
    """The client address the rate limits count by."""
    return request.client.host if request.client else "unknown"


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = new_csrf_token()
        request.session["csrf"] = token
    return token


def verify_csrf(
    request: Request,
    csrf_token_field: Annotated[str | None, Form(alias="csrf_token")] = None,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> None:
    if not csrf_matches(request.session.get("csrf"), csrf_token_field or x_csrf_token):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong")


CsrfDep = Depends(verify_csrf)


def flash(request: Request, message_nb: str, message_en: str, *, kind: str = "ok") -> None:
    """A short confirmation (or warning) shown once, on the next page the user sees."""
    request.session["flash"] = [kind, message_nb, message_en]


def page(
    request: Request, portal: Portal, template: str, status_code: int = 200, **values: object
) -> Response:
    """Renders a template with what every page needs (language, CSRF token, user, company)."""
    values.setdefault("lang", lang_of(request))
    values["csrf_token"] = csrf_token(request)
    values.setdefault("flash", request.session.pop("flash", None))
    user = values.get("user")
    if "company" in values and isinstance(user, User):
        # The company switcher in the header lists every company the orderer may act for.
        companies = getattr(request.state, "companies", None)
        values.setdefault(
            "companies", companies if companies is not None else [r.company for r in user.roles]
        )
    return portal.templates.TemplateResponse(request, template, values, status_code=status_code)


def start_login_session(request: Request, user: User, company_id: int | None = None) -> None:
    """A fresh session (and CSRF token) for a user who just logged in: no fixation. The OpenID
    Connect callback uses it; password login does the same in its own route."""
    lang = request.session.get("lang")
    request.session.clear()
    request.session["user_id"] = user.id
    if lang in LANGS:
        request.session["lang"] = lang
    if company_id is not None:
        request.session["company_id"] = company_id
