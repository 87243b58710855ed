"""Login (local accounts standing in for ID-porten), logout, company and language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from portal.delegation import company_access
from portal.deps import (
    CsrfDep,
    NowDep,
    PortalDep,
    RegistryDep,
    SessionDep,
    UserDep,
    client_key,
    page,
    user_companies,
)
from portal.i18n import LANGS
from portal.models import User
from portal.security import check_login

router = APIRouter()


@router.get("/")
def home(request: Request, session: SessionDep) -> Response:
    user_id = request.session.get("user_id")
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if user.is_reviewer and not user_companies(session, user):
        return RedirectResponse("/review", status_code=303)
    return RedirectResponse("/employees", status_code=303)


@router.get("/login")
def login_form(request: Request, portal: PortalDep) -> Response:
    return page(request, portal, "login.html", error=None)


@router.post("/login", dependencies=[CsrfDep])
def login(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
) -> Response:
    if not portal.login_limiter.allow(client_key(request)):
        raise HTTPException(status_code=429, detail="too many login attempts")
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if not check_login(user.password_hash if user else None, password) or user is None:
        return page(request, portal, "login.html", status_code=401, error=True)
    lang = request.session.get("lang")
    request.session.clear()  # a fresh session (and CSRF token) on login: no fixation
    request.session["user_id"] = user.id
    if lang in LANGS:
        request.session["lang"] = lang
    companies = user_companies(session, user)
    if companies:
        request.session["company_id"] = companies[0].id
    return RedirectResponse("/", status_code=303)


@router.post("/logout", dependencies=[CsrfDep])
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/company", dependencies=[CsrfDep])
def switch_company(
    request: Request,
    session: SessionDep,
    registry: RegistryDep,
    user: UserDep,
    now: NowDep,
    company_id: Annotated[int, Form()],
) -> Response:
    # Any company the user holds a role in, has a valid delegation for, or is granted.
    if not any(a.company.id == company_id for a in company_access(session, registry, user, now)):
        raise HTTPException(status_code=404)
    request.session["company_id"] = company_id
    return RedirectResponse("/employees", status_code=303)


@router.post("/lang", dependencies=[CsrfDep])
def switch_language(
    request: Request, lang: Annotated[str, Form()], back: Annotated[str, Form()] = "/"
) -> Response:
    if lang in LANGS:
        request.session["lang"] = lang
    # Only local paths: never an open redirect.
    target = back if back.startswith("/") and not back.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)
