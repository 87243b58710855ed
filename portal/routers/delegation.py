"""Company → "Delegate to others": the company's delegations, granting one, its details and
history, revoking it. Only role holders of the active company (portal/delegation.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from portal.delegation import (
    CompanyAccess,
    DelegationError,
    DelegationRequest,
    NotAllowed,
    company_delegations,
    delegation_history,
    delegation_status,
    grant_delegation,
    group_delegations_reaching,
    local_date,
    revoke_delegation,
)
from portal.deps import (
    AccessDep,
    CsrfDep,
    NowDep,
    PortalDep,
    RegistryDep,
    SessionDep,
    UserDep,
    page,
)
from portal.models import Delegation
from portal.registry import ROLE_LABELS

router = APIRouter()

_BLANK_FORM = {
    "name": "",
    "email": "",
    "valid_from": "",
    "valid_until": "",
    "covers_sub_units": False,
}


def _role_holder(access: CompanyAccess) -> CompanyAccess:
    if not access.can_delegate:
        raise HTTPException(status_code=403, detail="only role holders delegate")
    return access


def _date(value: str, field_name: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise DelegationError(
            field_name, "Datoen er ikke gyldig (ÅÅÅÅ-MM-DD).", "Not a valid date (YYYY-MM-DD)."
        ) from exc


def _overview(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    registry: RegistryDep,
    user: UserDep,
    access: CompanyAccess,
    now: dt.datetime,
    *,
    error: DelegationError | None = None,
    form: dict[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    today = local_date(now)
    delegations = company_delegations(session, access.company)
    return page(
        request,
        portal,
        "delegations.html",
        status_code=status_code,
        user=user,
        company=access.company,
        access=access,
        role_labels=ROLE_LABELS,
        delegations=[(d, delegation_status(d, today)) for d in delegations],
        from_main_unit=[
            (d, delegation_status(d, today))
            for d in group_delegations_reaching(session, registry, access.company)
        ],
        error=error,
        form=form or _BLANK_FORM,
    )


@router.get("/company/delegations")
def list_delegations(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    registry: RegistryDep,
    user: UserDep,
    access: AccessDep,
    now: NowDep,
) -> Response:
    return _overview(request, portal, session, registry, user, _role_holder(access), now)


@router.post("/company/delegations", dependencies=[CsrfDep])
def create_delegation(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    registry: RegistryDep,
    user: UserDep,
    access: AccessDep,
    now: NowDep,
    national_id: Annotated[str, Form(max_length=20)],
    name: Annotated[str, Form(max_length=200)],
    email: Annotated[str, Form(max_length=254)],
    valid_from: Annotated[str, Form(max_length=20)] = "",
    valid_until: Annotated[str, Form(max_length=20)] = "",
    covers_sub_units: Annotated[bool, Form()] = False,
) -> Response:
    _role_holder(access)
    try:
        delegation = grant_delegation(
            session,
            access,
            user,
            DelegationRequest(
                national_id=national_id.replace(" ", "").strip(),
                name=name,
                email=email.strip(),
                valid_from=_date(valid_from, "valid_from"),
                valid_until=_date(valid_until, "valid_until"),
                covers_sub_units=covers_sub_units,
            ),
            now,
        )
    except DelegationError as exc:
        # The national id is not echoed back into the page.
        form = {
            "name": name,
            "email": email,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "covers_sub_units": covers_sub_units,
        }
        return _overview(
            request,
            portal,
            session,
            registry,
            user,
            access,
            now,
            error=exc,
            form=form,
            status_code=422,
        )
    return RedirectResponse(f"/company/delegations/{delegation.id}", status_code=303)


def _company_delegation(
    session: SessionDep, access: CompanyAccess, delegation_id: int
) -> Delegation:
    delegation = session.get(Delegation, delegation_id)
    if delegation is None or delegation.company_id != access.company.id:
        raise HTTPException(status_code=404)
    return delegation


@router.get("/company/delegations/{delegation_id}")
def show_delegation(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    user: UserDep,
    access: AccessDep,
    now: NowDep,
    delegation_id: int,
) -> Response:
    delegation = _company_delegation(session, _role_holder(access), delegation_id)
    return page(
        request,
        portal,
        "delegation.html",
        user=user,
        company=access.company,
        delegation=delegation,
        status=delegation_status(delegation, local_date(now)),
        history=delegation_history(session, delegation),
    )


@router.post("/company/delegations/{delegation_id}/revoke", dependencies=[CsrfDep])
def revoke(
    session: SessionDep, user: UserDep, access: AccessDep, now: NowDep, delegation_id: int
) -> Response:
    delegation = _company_delegation(session, _role_holder(access), delegation_id)
    try:
        revoke_delegation(session, access, delegation, user, now)
    except NotAllowed as exc:
        raise HTTPException(status_code=403) from exc
    except DelegationError as exc:
        raise HTTPException(status_code=409, detail=exc.en) from exc
    return RedirectResponse(f"/company/delegations/{delegation.id}", status_code=303)
