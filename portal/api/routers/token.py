"""POST /api/v1/token: OAuth2 client credentials (authlib, portal/oauth.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from portal.deps import NowDep, PortalDep, SessionDep, client_key
from portal.oauth import issue_token

from ..problems import Problem, problem_body

router = APIRouter(tags=["auth"])


@router.post(
    "/v1/token",
    summary="A bearer token for a client (grant_type=client_credentials)",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "scope": {"type": "string"},
                            "client_id": {"type": "string"},
                            "client_secret": {"type": "string"},
                        },
                    }
                }
            }
        }
    },
)
async def token(
    request: Request, portal: PortalDep, session: SessionDep, now: NowDep
) -> JSONResponse:
    limit = portal.settings.api_token_limit
    if not portal.api_token_limiter.allow(client_key(request)):
        raise Problem(
            429,
            f"More than {limit.count} token requests in {limit.window_s:g} s.",
            kind="rate-limited",
            headers={"Retry-After": str(round(limit.window_s))},
        )
    if request.headers.get("content-type", "").split(";")[0] != (
        "application/x-www-form-urlencoded"
    ):
        raise Problem(
            415, "Send the token request as application/x-www-form-urlencoded.", kind="media-type"
        )
    form = {key: str(value) for key, value in (await request.form()).items()}
    uri = f"{portal.settings.base_url.rstrip('/')}/api/v1/token"
    answer = issue_token(
        session,
        now,
        uri=uri,
        headers=request.headers,
        form=form,
        ttl_s=portal.settings.api_token_ttl_s,
    )
    # authlib names its own Content-Type; the response class sets the right one.
    headers = {k: v for k, v in answer.headers if k.lower() != "content-type"}
    if answer.status == 200:
        return JSONResponse(answer.body, headers=headers)
    # RFC 6749 section 5.2's `error` member inside an RFC 9457 problem document.
    body = problem_body(
        answer.status,
        str(answer.body.get("error_description") or answer.body.get("error")),
        kind=str(answer.body.get("error")),
        **answer.body,
    )
    return JSONResponse(
        body,
        status_code=answer.status,
        media_type="application/problem+json",
        headers={"Cache-Control": "no-store", **headers},
    )
