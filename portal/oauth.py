"""OAuth2 client credentials for the JSON API, on authlib's authorization server and resource
protector (RFC 6749 section 4.4, bearer tokens per RFC 6750).

Tokens are opaque random strings; only their SHA-256 is stored, with the client and the scopes
granted. A token stops working when it expires or its client is revoked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    OAuth2Request,
    ResourceProtector,
    TokenMixin,
)
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from portal.api_clients import SCOPES, secret_matches
from portal.models import ApiClient, ApiToken


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class OAuthClient(ClientMixin):
    """An ApiClient as authlib sees it."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def get_client_id(self) -> str:
        return self.client.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """All the client's scopes when none are asked for; None (invalid_scope) when it asks
        for one it does not have."""
        allowed = self.client.scope_set
        if not scope:
            return " ".join(sorted(allowed))
        asked = set(scope.split())
        return " ".join(sorted(asked)) if asked <= allowed else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return secret_matches(self.client, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class _Grant(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012


class _FormRequest(OAuth2Request):
    """A token request as authlib reads it: case-insensitive headers and the form fields."""

    def __init__(self, method: str, uri: str, headers: Mapping[str, str], form: dict[str, str]):
        super().__init__(method, uri, headers=headers)
        self.payload = BasicOAuth2Payload(form)
        self._form = form

    @property
    def args(self) -> dict[str, str]:
        return {}

    @property
    def form(self) -> dict[str, str]:
        return self._form


@dataclass(frozen=True)
class TokenResponse:
    status: int
    body: dict[str, Any]
    headers: list[tuple[str, str]]


class TokenServer(AuthorizationServer):
    """POST /api/v1/token for one request: its database session and time."""

    def __init__(self, session: Session, now: dt.datetime, ttl_s: int) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.session = session
        self.now = now
        self.register_grant(_Grant)
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: secrets.token_urlsafe(32),
                expires_generator=ttl_s,
            ),
        )

    def query_client(self, client_id: str) -> OAuthClient | None:
        client = self.session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
        if client is None or client.revoked_at is not None:
            return None
        return OAuthClient(client)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        client: ApiClient = request.client.client
        self.session.add(
            ApiToken(
                token_hash=token_digest(token["access_token"]),
                api_client_id=client.id,
                scopes=token.get("scope", ""),
                issued_at=self.now,
                expires_at=self.now + dt.timedelta(seconds=int(token["expires_in"])),
            )
        )
        self.session.commit()

    def send_signal(self, name: str, *args: object, **kwargs: object) -> None:
        return None

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        method, uri, headers, form = request
        return _FormRequest(method, uri, headers, form)

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> TokenResponse:
        return TokenResponse(status, body if isinstance(body, dict) else json.loads(body), headers)


def issue_token(
    session: Session,
    now: dt.datetime,
    *,
    uri: str,
    headers: Mapping[str, str],
    form: dict[str, str],
    ttl_s: int,
) -> TokenResponse:
    """The token endpoint: a bearer token for a valid client, or an OAuth2 error body."""
    server = TokenServer(session, now, ttl_s)
    try:
        response: TokenResponse = server.create_token_response(("POST", uri, headers, form))
    except OAuth2Error as error:  # raised before authlib's own handling (insecure transport)
        return TokenResponse(error.status_code, dict(error.get_body()), [])
    return response


# ---------------------------------------------------------------- the resource side


class GrantedToken(TokenMixin):
    def __init__(self, token: ApiToken, now: dt.datetime) -> None:
        self.token = token
        self.now = now

    def get_scope(self) -> str:
        return self.token.scopes

    def get_expires_in(self) -> int:
        return int((self.token.expires_at - self.token.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return self.token.expires_at <= self.now

    def is_revoked(self) -> bool:
        return self.token.client.revoked_at is not None

    def get_client(self) -> OAuthClient:
        return OAuthClient(self.token.client)


class _Validator(BearerTokenValidator):
    def __init__(self, session: Session, now: dt.datetime) -> None:
        super().__init__()
        self.session = session
        self.now = now

    def authenticate_token(self, token_string: str) -> GrantedToken | None:
        # One query for the token, its client, the client's company and owner (every API
        # request needs all four).
        client = joinedload(ApiToken.client)
        token = self.session.scalar(
            select(ApiToken)
            .where(ApiToken.token_hash == token_digest(token_string))
            .options(client.joinedload(ApiClient.company), client.joinedload(ApiClient.creator))
        )
        return GrantedToken(token, self.now) if token is not None else None


@dataclass(frozen=True)
class _HeaderRequest:
    headers: Mapping[str, str]


def authenticate_bearer(
    session: Session, now: dt.datetime, headers: Mapping[str, str], scopes: list[str]
) -> ApiClient:
    """The client behind a valid bearer token holding every scope in `scopes`; raises
    authlib's OAuth2Error (invalid_token, insufficient_scope, missing_authorization)."""
    protector = ResourceProtector()
    protector.register_token_validator(_Validator(session, now))
    granted: GrantedToken = protector.validate_request(scopes, _HeaderRequest(headers))
    return granted.token.client


def purge_expired_tokens(session: Session, now: dt.datetime) -> int:
    """Deletes tokens past their expiry (they can never work again); run by the sweep."""
    result = session.execute(delete(ApiToken).where(ApiToken.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = ["OAuth2Error", "TokenResponse", "authenticate_bearer", "issue_token"]
