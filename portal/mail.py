"""E-mail through an outbox: written in the caller's transaction, delivered by SMTP later.

When SMTP is down or not configured the rows simply stay unsent and are retried; nothing is lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from portal.clock import utcnow
from portal.files import FileStore
from portal.models import OutboxEmail
from portal.settings import SmtpSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    stored_name: str
    content_type: str = "application/pdf"


def queue_email(
    session: Session,
    *,
    recipient: str,
    subject: str,
    body: str,
    now: dt.datetime,
    attachments: tuple[Attachment, ...] = (),
) -> OutboxEmail:
    row = OutboxEmail(
        recipient=recipient,
        subject=subject,
        body=body,
        attachments=[
            {"filename": a.filename, "stored_name": a.stored_name, "content_type": a.content_type}
            for a in attachments
        ],
        created_at=now,
        attempts=0,
    )
    session.add(row)
    return row


def _message(row: OutboxEmail, sender: str, files: FileStore) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message.set_content(row.body)
    for item in row.attachments or []:
        maintype, _, subtype = item["content_type"].partition("/")
        message.add_attachment(
            files.read(item["stored_name"]),
            maintype=maintype,
            subtype=subtype,
            filename=item["filename"],
        )
    return message


def _next_unsent(session: Session, max_attempts: int, skip: set[int]) -> OutboxEmail | None:
    """One unsent row, locked until this transaction ends (other senders skip it)."""
    query = (
        select(OutboxEmail)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < max_attempts)
        .order_by(OutboxEmail.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if skip:
        query = query.where(OutboxEmail.id.not_in(skip))
    return session.scalars(query).first()


def deliver_outbox(
    factory: sessionmaker[Session],
    smtp: SmtpSettings | None,
    files: FileStore,
    *,
    max_attempts: int,
    batch: int = 50,
) -> int:
    """Sends unsent mail; returns how many went out. Each row is sent in its own transaction
    holding its row lock, so several senders never send the same mail twice."""
    if smtp is None:
        return 0
    with factory() as session:
        pending = session.scalar(
            select(OutboxEmail.id)
            .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < max_attempts)
            .limit(1)
        )
    if pending is None:
        return 0
    try:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s)
        if smtp.starttls:
            client.starttls()
        if smtp.username and smtp.password:
            client.login(smtp.username, smtp.password)
    except (smtplib.SMTPException, OSError) as exc:
        with factory() as session:
            for waiting in session.scalars(
                select(OutboxEmail)
                .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < max_attempts)
                .order_by(OutboxEmail.id)
                .limit(batch)
            ):
                waiting.attempts += 1
                waiting.last_error = f"connect: {exc}"[:500]
            session.commit()
        log.warning("SMTP %s:%s unavailable; e-mails wait in the outbox", smtp.host, smtp.port)
        return 0
    sent = 0
    tried: set[int] = set()
    try:
        for _ in range(batch):
            with factory() as session:
                row = _next_unsent(session, max_attempts, tried)
                if row is None:
                    break
                tried.add(row.id)
                row.attempts += 1
                try:
                    client.send_message(_message(row, smtp.sender, files))
                except (smtplib.SMTPException, OSError) as exc:
                    row.last_error = str(exc)[:500]
                else:
                    row.sent_at = utcnow()
                    row.last_error = None
                    sent += 1
                session.commit()
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.quit()
    return sent
