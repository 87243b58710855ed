"""The life-cycle context every transition runs in, built one way for requests, the verdict
hook and the sweep alike: the portal's registry adapter and clock, never a hard-wired one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from portal.lifecycle import Context
from portal.registry import RegistryAdapter
from portal.state import Portal


def lifecycle_context(
    portal: Portal,
    session: Session,
    actor: str,
    *,
    registry: RegistryAdapter | None = None,
    now: dt.datetime | None = None,
) -> Context:
    """A context at the portal clock's current time (or `now`); `actor` is who acts (a user,
    "verifier", "sweep")."""
    return Context(
        session=session,
        settings=portal.settings,
        files=portal.files,
        registry=portal.registry(session) if registry is None else registry,
        now=portal.clock() if now is None else now,
        actor=actor,
    )
