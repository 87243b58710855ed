"""Server-side login sessions: the cookie carries a random 256-bit id and nothing else; the
session's contents (user, company, CSRF token, language, a just-made share link) stay in the
database under the id's SHA-256. Deleting the row ends the session at once."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from http.cookies import SimpleCookie

import anyio
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.models import WebSession
from portal.security import token_digest

COOKIE_NAME = "hmsverify_session"


def end_user_sessions(session: Session, user_id: int) -> int:
    """Ends every session of a user (password change, account blocked); not committed."""
    result = session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def delete_expired_sessions(session: Session, now: dt.datetime) -> int:
    result = session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


class _Store:
    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], dt.datetime], max_age_s: int
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.max_age = dt.timedelta(seconds=max_age_s)

    def load(self, token: str) -> dict[str, object] | None:
        with self.sessions() as session:
            row = session.get(WebSession, token_digest(token))
            if row is None or row.expires_at <= self.clock():
                return None
            return dict(row.data)

    def save(self, old_token: str | None, data: dict[str, object], rotate: bool) -> str:
        """Stores the data; under a new id when there was none or `rotate` (a login)."""
        user_id = data.get("user_id")
        with self.sessions() as session:
            row = session.get(WebSession, token_digest(old_token)) if old_token else None
            if row is not None and rotate:
                session.delete(row)
                row = None
            token = old_token if row is not None and old_token else secrets.token_urlsafe(32)
            if row is None:
                now = self.clock()
                row = WebSession(
                    id_hash=token_digest(token), created_at=now, expires_at=now + self.max_age
                )
                session.add(row)
            row.data = data
            row.user_id = user_id if isinstance(user_id, int) else None
            session.commit()
            return token

    def delete(self, token: str) -> None:
        with self.sessions() as session:
            session.execute(delete(WebSession).where(WebSession.id_hash == token_digest(token)))
            session.commit()


class ServerSessions:
    """Starlette's `request.session` interface over server-side rows.

    The session is written only when it changed; a session that becomes empty (logout) is
    deleted with its cookie; a change of `user_id` (login) moves the data to a new id, so an id
    set before login (fixation) is worthless after it.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        sessions: sessionmaker[Session],
        clock: Callable[[], dt.datetime],
        max_age_s: int,
        secure: bool,
    ) -> None:
        self.app = app
        self.store = _Store(sessions, clock, max_age_s)
        self.max_age_s = max_age_s
        self.secure = secure

    def _cookie(self, value: str, max_age: int) -> str:
        attributes = f"{COOKIE_NAME}={value}; path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax"
        return attributes + ("; Secure" if self.secure else "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        token = None
        raw = Headers(scope=scope).get("cookie")
        if raw:
            cookies: SimpleCookie = SimpleCookie()
            try:
                cookies.load(raw)
            except Exception:  # a malformed Cookie header is no session, not an error
                cookies = SimpleCookie()
            morsel = cookies.get(COOKIE_NAME)
            if morsel is not None and 20 <= len(morsel.value) <= 100:
                token = morsel.value
        loaded = await anyio.to_thread.run_sync(self.store.load, token) if token else None
        if loaded is None:
            token = None
        scope["session"] = dict(loaded or {})
        before = dict(loaded or {})

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                data: dict[str, object] = scope["session"]
                headers = MutableHeaders(scope=message)
                if data and data != before:
                    rotate = data.get("user_id") != before.get("user_id")
                    new_token = await anyio.to_thread.run_sync(self.store.save, token, data, rotate)
                    if new_token != token:
                        headers.append("Set-Cookie", self._cookie(new_token, self.max_age_s))
                elif not data and token:
                    await anyio.to_thread.run_sync(self.store.delete, token)
                    headers.append("Set-Cookie", self._cookie("", 0))
            await send(message)

        await self.app(scope, receive, send_wrapper)
