"""Login through OpenID Connect (ID-porten in production): start and callback.

The person is the national id in the ID token's `pid` claim. It maps to a portal account (made
on the first login of someone who holds a registry role or a valid delegation); anyone else is
refused and nothing is stored. The national id is never put in a URL or a log line.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from portal.delegation import company_access, user_for_national_id
from portal.deps import NowDep, PortalDep, RegistryDep, SessionDep, client_key, start_login_session
from portal.i18n import lang_of
from portal.oidc import OidcClient, OidcError, PendingLogin
from verifier.norway.national_id import NationalIdError, parse_norwegian_id

router = APIRouter()
log = logging.getLogger(__name__)

PENDING_KEY = "oidc_login"

_FAILED = (
    "Innloggingen kunne ikke fullføres. Prøv igjen.",
    "The login could not be completed. Please try again.",
)
_NO_ACCESS = (
    "Du har ingen rolle eller delegering som gir tilgang til å bestille HMS-kort. Be daglig "
    "leder eller en annen rolleinnehaver i virksomheten om å delegere til deg.",
    "You hold no role or delegation that allows ordering HSE cards. Ask the general manager or "
    "another role holder of the company to delegate to you.",
)


def _client(portal: PortalDep) -> OidcClient:
    if portal.oidc is None:
        raise HTTPException(status_code=404)
    return portal.oidc


@router.get("/login/oidc")
def oidc_start(request: Request, portal: PortalDep) -> Response:
    client = _client(portal)
    try:
        url, pending = client.begin(ui_locales=lang_of(request))
    except OidcError as exc:
        log.warning("OpenID Connect login could not start: %s", exc.reason)
        raise HTTPException(status_code=502, detail=_FAILED) from exc
    request.session[PENDING_KEY] = pending.to_session()
    return RedirectResponse(url, status_code=303)


@router.get("/login/oidc/callback")
def oidc_callback(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    registry: RegistryDep,
    now: NowDep,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    client = _client(portal)
    if not portal.login_limiter.allow(client_key(request)):
        raise HTTPException(status_code=429, detail="too many login attempts")
    # One use only: a replayed callback finds nothing.
    pending = PendingLogin.from_session(request.session.pop(PENDING_KEY, None))
    if error is not None or pending is None or not code or not state:
        log.info(
            "OpenID Connect callback refused: %s",
            "provider_error" if error else "no_login_started" if pending is None else "no_code",
        )
        raise HTTPException(status_code=400, detail=_FAILED)
    try:
        claims = client.complete(pending, state=state, code=code)
    except OidcError as exc:
        log.warning("OpenID Connect login refused: %s", exc.reason)
        raise HTTPException(status_code=400, detail=_FAILED) from exc
    national_id = claims.get(client.settings.national_id_claim)
    try:
        parse_norwegian_id(str(national_id or ""))
    except NationalIdError as exc:
        log.warning("OpenID Connect login refused: no valid national id claim")
        raise HTTPException(status_code=400, detail=_FAILED) from exc
    user = user_for_national_id(session, registry, str(national_id), now)
    accesses = [] if user is None else company_access(session, registry, user, now)
    if user is None or (not accesses and not user.is_reviewer):
        log.info("OpenID Connect login refused: no role, delegation or reviewer account")
        raise HTTPException(status_code=403, detail=_NO_ACCESS)
    start_login_session(request, user, accesses[0].company.id if accesses else None)
    log.info("OpenID Connect login: user %s", user.id)
    return RedirectResponse("/", status_code=303)
