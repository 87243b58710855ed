"""The life-cycle context every transition runs in, built one way for requests, the verdict
hook and the sweep alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.lifecycle import Context
from portal.registry import DemoRegistry

if TYPE_CHECKING:
    from portal.app import Portal


def lifecycle_context(portal: Portal, session: Session, actor: str) -> Context:
    """A context at the current time; `actor` is who acts (a user, "verifier", "sweep")."""
    return Context(
        session=session,
        settings=portal.settings,
        files=portal.files,
        registry=DemoRegistry(session),
        now=utcnow(),
        actor=actor,
    )
