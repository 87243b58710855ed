"""The OpenID Connect client for login (ID-porten in production): the authorization-code flow
with PKCE (S256), state and nonce, on authlib's OAuth2 client.

`begin` makes the authorization URL and the values the callback must find again (kept in the
login session, never in a URL of ours); `complete` checks the state, exchanges the code with the
code verifier at the token endpoint and validates the ID token: signature against the
provider's published keys (fetched again once for an unknown key id), issuer, audience, expiry,
issue time and nonce. The provider's metadata is read once from its discovery document.
"""

from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from portal.settings import OidcSettings


class OidcError(Exception):
    """A login that cannot be completed; `reason` is a short code safe to log (no claims)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PendingLogin:
    """What one started login must find again at the callback."""

    state: str
    nonce: str
    code_verifier: str
    started_at: float

    def to_session(self) -> dict[str, object]:
        return {
            "state": self.state,
            "nonce": self.nonce,
            "code_verifier": self.code_verifier,
            "started_at": self.started_at,
        }

    @classmethod
    def from_session(cls, value: object) -> PendingLogin | None:
        if not isinstance(value, dict):
            return None
        state, nonce, verifier = value.get("state"), value.get("nonce"), value.get("code_verifier")
        started = value.get("started_at")
        if not (isinstance(state, str) and isinstance(nonce, str) and isinstance(verifier, str)):
            return None
        if not isinstance(started, int | float):
            return None
        return cls(state, nonce, verifier, float(started))


class OidcClient:
    """One per portal; thread-safe (the metadata and keys are cached under a lock)."""

    def __init__(self, settings: OidcSettings, redirect_uri: str) -> None:
        self.settings = settings
        self.redirect_uri = redirect_uri
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    # -- provider metadata and keys ------------------------------------------------------

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = httpx.get(url, timeout=self.settings.timeout_s)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcError("provider_unreachable") from exc
        if not isinstance(data, dict):
            raise OidcError("provider_answer_not_an_object")
        return data

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None:
                issuer = self.settings.issuer.rstrip("/")
                found = self._get_json(f"{issuer}/.well-known/openid-configuration")
                # The discovery document must be the configured issuer's own (OIDC Discovery 4.3).
                if str(found.get("issuer", "")).rstrip("/") != issuer:
                    raise OidcError("issuer_mismatch")
                for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                    if not isinstance(found.get(key), str):
                        raise OidcError(f"metadata_without_{key}")
                self._metadata = found
            return self._metadata

    def _key_set(self, refresh: bool = False) -> KeySet:
        uri = str(self.metadata()["jwks_uri"])
        with self._lock:
            if self._keys is None or refresh:
                try:
                    self._keys = KeySet.import_key_set(self._get_json(uri))  # type: ignore[arg-type]
                except (JoseError, ValueError, TypeError) as exc:
                    raise OidcError("provider_keys_unreadable") from exc
            return self._keys

    def _client(self) -> OAuth2Client:
        return OAuth2Client(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            scope=self.settings.scopes,
            redirect_uri=self.redirect_uri,
            token_endpoint_auth_method=self.settings.token_auth_method,
            code_challenge_method="S256",
            timeout=self.settings.timeout_s,
        )

    # -- the flow ---------------------------------------------------------------------------

    def begin(
        self, now: float | None = None, ui_locales: str | None = None
    ) -> tuple[str, PendingLogin]:
        """The provider's authorization URL to send the browser to, and what to keep."""
        pending = PendingLogin(
            state=generate_token(43),
            nonce=generate_token(43),
            # RFC 7636: 43-128 characters of the unreserved set.
            code_verifier=generate_token(64),
            started_at=time.time() if now is None else now,
        )
        extra: dict[str, str] = {"nonce": pending.nonce}
        if self.settings.acr_values:
            extra["acr_values"] = self.settings.acr_values
        if ui_locales:
            extra["ui_locales"] = ui_locales
        with self._client() as client:
            url, _ = client.create_authorization_url(
                str(self.metadata()["authorization_endpoint"]),
                state=pending.state,
                code_verifier=pending.code_verifier,
                **extra,
            )
        return str(url), pending

    def complete(
        self, pending: PendingLogin, *, state: str, code: str, now: float | None = None
    ) -> dict[str, Any]:
        """The ID token's validated claims, or OidcError."""
        moment = time.time() if now is None else now
        if not hmac.compare_digest(state.encode(), pending.state.encode()):
            raise OidcError("state_mismatch")
        if moment - pending.started_at > self.settings.login_timeout_s:
            raise OidcError("login_too_old")
        with self._client() as client:
            try:
                token = client.fetch_token(
                    str(self.metadata()["token_endpoint"]),
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=pending.code_verifier,
                )
            except AuthlibBaseError as exc:
                # The token endpoint's error code (invalid_grant, invalid_client, ...).
                raise OidcError(f"token_endpoint_{exc.error or 'error'}") from exc
            except httpx.HTTPError as exc:
                raise OidcError("provider_unreachable") from exc
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("no_id_token")
        return self.validated_claims(id_token, pending.nonce, token.get("access_token"), moment)

    def validated_claims(
        self, id_token: str, nonce: str, access_token: object, now: float
    ) -> dict[str, Any]:
        """The claims of an ID token from the token endpoint, or OidcError: signed by one of the
        provider's keys, for this client, from the issuer, current, with this nonce."""
        metadata = self.metadata()
        algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        # Never "none" and never a symmetric algorithm keyed by a public value.
        algorithms = [a for a in algorithms if a not in ("none", "HS256", "HS384", "HS512")]
        registry = JWSRegistry(algorithms=algorithms)
        try:
            try:
                decoded = jwt.decode(id_token, self._key_set(), registry=registry)
            except InvalidKeyIdError:
                # The provider rotated its keys since they were read.
                decoded = jwt.decode(id_token, self._key_set(refresh=True), registry=registry)
        except JoseError as exc:
            raise OidcError("id_token_signature") from exc
        params: dict[str, Any] = {"nonce": nonce, "client_id": self.settings.client_id}
        if isinstance(access_token, str):
            params["access_token"] = access_token
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {"iss": {"essential": True, "value": metadata["issuer"]}, "nonce": {"essential": True}},
            params,
        )
        try:
            claims.validate(now=int(now), leeway=self.settings.leeway_s)
        except JoseError as exc:
            raise OidcError(f"id_token_{getattr(exc, 'claim', None) or exc.error}") from exc
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.settings.client_id not in audiences:
            raise OidcError("id_token_aud")
        return dict(claims)
