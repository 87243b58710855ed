"""Reviewer accounts for the OpenID Connect login: a reviewer is the person with this national
id (the `pid` claim), marked `is_reviewer`. Made by `hmsverify reviewer`, which reads the
national id from standard input so it stays out of the process list and the shell history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import User
from verifier.norway.national_id import parse_norwegian_id


def make_reviewer(
    session: Session, national_id: str, name: str, email: str | None, now: dt.datetime
) -> User:
    """The reviewer account for this person, made or marked; raises NationalIdError for a
    number that is not a valid fødselsnummer or D-number."""
    parse_norwegian_id(national_id)
    user = session.scalar(select(User).where(User.national_id == national_id))
    if user is None:
        user = User(
            email=email or None,
            name=name,
            password_hash="",
            national_id=national_id,
            is_reviewer=True,
            created_at=now,
        )
        session.add(user)
    else:
        user.is_reviewer = True
    session.flush()
    return user
