"""Local accounts (standing in for ID-porten): a password change ends every session."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import User
from portal.security import hash_password
from portal.web_sessions import end_user_sessions

MIN_PASSWORD_LENGTH = 12


class PasswordRefused(ValueError):
    pass


def change_password(session: Session, user: User, new_password: str) -> int:
    """Sets the password and ends all of the user's sessions (committed); returns how many."""
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise PasswordRefused(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = hash_password(new_password)
    ended = end_user_sessions(session, user.id)
    session.commit()
    return ended


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
