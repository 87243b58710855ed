"""Passwords, CSRF tokens, rate limits and masking: the small safety pieces every route uses."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portal.settings import RateLimit

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


def check_login(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; for an unknown account (`None`) the same argon2 work is
    done against a dummy hash, so the answer's timing does not tell which e-mails have one."""
    if password_hash is None:
        verify_password(_dummy_hash(), password)
        return False
    return verify_password(password_hash, password)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def new_share_token() -> str:
    """256 random bits, URL-safe (the issue asks for at least 128)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mask_national_id(number: str) -> str:
    """Birth date part only: 010190 *****. The individual number and control digits stay hidden."""
    return f"{number[:6]} *****" if len(number) == 11 else "***********"


def birth_date_of(number: str) -> str:
    """The birth date a fødselsnummer or D-number encodes (for comparing with a document)."""
    from verifier.norway.national_id import NationalIdError, parse_norwegian_id

    try:
        return parse_norwegian_id(number).birth_date.isoformat()
    except NationalIdError:
        return "?"


class RateLimiter:
    """Sliding-window limit per key, in this process.

    One process per portal instance keeps this in memory; several instances behind a load
    balancer would each apply the limit (a shared store such as Redis would make it global).
    """

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        moment = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= moment - self.limit.window_s:
                hits.popleft()
            if len(hits) >= self.limit.count:
                return False
            hits.append(moment)
            if len(self._hits) > 100_000:  # forget idle keys so memory stays bounded
                for stale in [k for k, v in self._hits.items() if not v]:
                    del self._hits[stale]
            return True
