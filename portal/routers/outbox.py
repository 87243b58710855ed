"""The demo's outbox: the e-mails the portal wrote (share links, receipts, rejections,
reminders), readable in the browser by a reviewer when `demo_outbox` is on; 404 otherwise."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select

from portal.deps import PortalDep, ReviewerDep, SessionDep, page
from portal.models import OutboxEmail

router = APIRouter()


def _enabled(portal: PortalDep) -> None:
    if not portal.settings.demo_outbox:
        raise HTTPException(status_code=404)


@router.get("/outbox")
def outbox(request: Request, portal: PortalDep, session: SessionDep, user: ReviewerDep) -> Response:
    _enabled(portal)
    mails = session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(200)).all()
    return page(request, portal, "outbox.html", user=user, mails=mails)


@router.get("/outbox/{mail_id}/attachments/{index}")
def attachment(
    portal: PortalDep, session: SessionDep, user: ReviewerDep, mail_id: int, index: int
) -> Response:
    _enabled(portal)
    mail = session.get(OutboxEmail, mail_id)
    if mail is None or not 0 <= index < len(mail.attachments):
        raise HTTPException(status_code=404)
    item = mail.attachments[index]
    return Response(
        portal.files.read(item["stored_name"]),
        media_type=item.get("content_type", "application/octet-stream"),
        headers={
            "Content-Disposition": f'inline; filename="{item["filename"]}"',
            "Cache-Control": "private, no-store",
        },
    )
