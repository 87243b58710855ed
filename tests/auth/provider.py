"""A real OpenID Connect provider for the tests: oidc-provider-mock served over HTTP on a
free local port, behind a WSGI layer that enforces PKCE (RFC 7636, S256) as ID-porten does.

oidc-provider-mock issues codes, tokens and signed ID tokens (with the nonce and any claims
set for a subject, such as `pid`) but does not check a code verifier; `PkceEnforcer` remembers
each code's challenge from the authorization request and answers `invalid_grant` to a token
request whose verifier does not hash to it, or that has none.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import oidc_provider_mock
import werkzeug.serving

StartResponse = Callable[..., Any]


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class PkceEnforcer:
    app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
    challenges: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/oauth2/authorize" and method == "POST":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            challenge = (query.get("code_challenge") or [None])[0]
            challenge_method = (query.get("code_challenge_method") or [None])[0]

            def remember(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
                location = dict(headers).get("Location", "")
                for code in parse_qs(urlparse(location).query).get("code", []):
                    with self.lock:
                        self.challenges[code] = (challenge, challenge_method)
                return start_response(status, headers, *rest)

            return self.app(environ, remember)
        if path == "/oauth2/token" and method == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            form = parse_qs(body.decode())
            if form.get("grant_type") == ["authorization_code"]:
                code = (form.get("code") or [""])[0]
                verifier = (form.get("code_verifier") or [None])[0]
                with self.lock:
                    challenge, challenge_method = self.challenges.pop(code, (None, None))
                if not (
                    challenge
                    and challenge_method == "S256"
                    and verifier
                    and s256(verifier) == challenge
                ):
                    self.refused.append(code)
                    payload = json.dumps(
                        {"error": "invalid_grant", "error_description": "PKCE verification failed"}
                    ).encode()
                    start_response(
                        "400 Bad Request",
                        [
                            ("Content-Type", "application/json"),
                            ("Content-Length", str(len(payload))),
                        ],
                    )
                    return [payload]
        return self.app(environ, start_response)


@dataclass
class Provider:
    issuer: str
    pkce: PkceEnforcer

    def set_claims(self, sub: str, claims: dict[str, object]) -> None:
        response = httpx.put(f"{self.issuer}/users/{sub}", json=claims)
        assert response.status_code == 204, response.text

    def authorize(self, authorization_url: str, sub: str) -> str:
        """What a person does at the provider: opens the page, signs in as `sub`. The redirect
        back to the portal (with code and state)."""
        page = httpx.get(authorization_url)
        assert page.status_code == 200, page.text
        answer = httpx.post(authorization_url, data={"sub": sub})
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]


@contextmanager
def running_provider() -> Iterator[Provider]:
    pkce = PkceEnforcer(oidc_provider_mock.app(require_nonce=True))
    server = werkzeug.serving.make_server("localhost", 0, pkce, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Provider(f"http://localhost:{server.server_port}", pkce)
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
