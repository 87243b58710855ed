"""The company owner's API clients page: make a client (its secret shown once), revoke it,
register its webhook URL (its signing key shown once), and the webhook delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from portal.api_clients import (
    SCOPES,
    ClientRefused,
    create_client,
    revoke_client,
    set_webhook,
)
from portal.deps import AccessDep, CsrfDep, NowDep, PortalDep, SessionDep, UserDep, page
from portal.models import ApiClient, ApiEvent, Company, WebhookDelivery
from portal.state import Portal

router = APIRouter()


def owner_company(access: AccessDep) -> Company:
    """The active company, if the user owns it: holds a registry role in it or a role granted in
    the portal. A delegate may order, but not hand out machine access to the company."""
    if not (access.roles or access.granted_in_portal):
        raise HTTPException(
            status_code=403, detail="only the company's role holders manage API clients"
        )
    return access.company


CompanyDep = Annotated[Company, Depends(owner_company)]

PATH = "/company/api-clients"


def _page(
    request: Request,
    portal: Portal,
    session: SessionDep,
    user: UserDep,
    company: Company,
    status_code: int = 200,
    **shown: object,
) -> Response:
    clients = session.scalars(
        select(ApiClient).where(ApiClient.company_id == company.id).order_by(ApiClient.id.desc())
    ).all()
    deliveries = session.execute(
        select(WebhookDelivery, ApiEvent, ApiClient)
        .join(ApiEvent, ApiEvent.id == WebhookDelivery.event_id)
        .join(ApiClient, ApiClient.id == WebhookDelivery.api_client_id)
        .where(ApiClient.company_id == company.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(100)
    ).all()
    return page(
        request,
        portal,
        "api_clients.html",
        status_code=status_code,
        user=user,
        company=company,
        clients=clients,
        deliveries=deliveries,
        scopes=SCOPES,
        **shown,
    )


def _own_client(session: SessionDep, company: Company, client_pk: int) -> ApiClient:
    client = session.get(ApiClient, client_pk)
    if client is None or client.company_id != company.id:
        raise HTTPException(status_code=404)
    return client


@router.get(PATH)
def show(
    request: Request, portal: PortalDep, session: SessionDep, user: UserDep, company: CompanyDep
) -> Response:
    return _page(request, portal, session, user, company)


@router.post(PATH, dependencies=[CsrfDep])
def create(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    now: NowDep,
    user: UserDep,
    company: CompanyDep,
    name: Annotated[str, Form(max_length=100)],
    scope: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        made = create_client(session, company, user, name=name, scopes=scope or [], now=now)
    except ClientRefused as exc:
        return _page(request, portal, session, user, company, status_code=422, error=exc.message)
    # Rendered in the answer to the POST itself: the secret is never stored anywhere readable.
    response = _page(
        request, portal, session, user, company, new_client=made.client, new_secret=made.secret
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post(PATH + "/{client_pk}/revoke", dependencies=[CsrfDep])
def revoke(
    session: SessionDep, now: NowDep, user: UserDep, company: CompanyDep, client_pk: int
) -> Response:
    revoke_client(session, _own_client(session, company, client_pk), now)
    return RedirectResponse(PATH, status_code=303)


@router.post(PATH + "/{client_pk}/webhook", dependencies=[CsrfDep])
def webhook(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    user: UserDep,
    company: CompanyDep,
    client_pk: int,
    url: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    client = _own_client(session, company, client_pk)
    try:
        secret = set_webhook(session, client, url or None, portal.settings)
    except ClientRefused as exc:
        return _page(request, portal, session, user, company, status_code=422, error=exc.message)
    response = _page(
        request, portal, session, user, company, webhook_client=client, webhook_secret=secret
    )
    response.headers["Cache-Control"] = "no-store"
    return response
