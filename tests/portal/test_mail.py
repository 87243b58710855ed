"""E-mail through the outbox and a real local SMTP server (aiosmtpd): nothing is lost while SMTP
is down, everything goes out once when it is back, receipts carry the temporary card PDF."""

from __future__ import annotations

import datetime as dt
import email
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal.mail import deliver_outbox, queue_email
from portal.models import OutboxEmail
from portal.settings import SmtpSettings
from portal.state import Portal
from tests.portal.support import World, seed_card


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpSettings, Inbox]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpSettings(host="127.0.0.1", port=port, timeout_s=5), inbox
    controller.stop()


def unsent(portal: Portal) -> list[OutboxEmail]:
    with portal.sessions() as session:
        return list(session.scalars(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))))


def test_nothing_is_lost_while_smtp_is_down(
    portal: Portal, world: World, smtp: tuple[SmtpSettings, Inbox]
) -> None:
    settings, inbox = smtp
    with portal.sessions() as session:
        for i in range(3):
            queue_email(
                session,
                recipient=f"r{i}@example.no",
                subject=f"Emne {i}",
                body="Hei æøå",
                now=dt.datetime.now(dt.UTC),
            )
        session.commit()
    down = SmtpSettings(host="127.0.0.1", port=_free_port(), timeout_s=2)
    assert deliver_outbox(portal.sessions, down, portal.files, max_attempts=5) == 0
    waiting = unsent(portal)
    assert len(waiting) == 3 and all(m.attempts == 1 and m.last_error for m in waiting)
    assert (
        deliver_outbox(portal.sessions, None, portal.files, max_attempts=5) == 0
    )  # not configured
    assert deliver_outbox(portal.sessions, settings, portal.files, max_attempts=5) == 3
    assert deliver_outbox(portal.sessions, settings, portal.files, max_attempts=5) == 0
    assert sorted(m["To"] for m in inbox.messages) == [
        "r0@example.no",
        "r1@example.no",
        "r2@example.no",
    ]
    body = inbox.messages[0].get_payload(decode=True)
    assert isinstance(body, bytes) and "æøå" in body.decode()
    assert unsent(portal) == []


def test_approval_receipt_arrives_with_the_temporary_card(
    portal: Portal, world: World, smtp: tuple[SmtpSettings, Inbox]
) -> None:
    settings, inbox = smtp
    seed_card(portal, world, world.employees_a[0])
    assert deliver_outbox(portal.sessions, settings, portal.files, max_attempts=5) == 1
    (receipt,) = inbox.messages
    assert receipt["To"] == world.orderer_a and "godkjent" in receipt["Subject"]
    attachments = [part for part in receipt.walk() if part.get_filename()]
    assert len(attachments) == 1
    pdf = attachments[0].get_payload(decode=True)
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF") and len(pdf) > 1000
    assert str(attachments[0].get_filename()).startswith("midlertidig-hms-kort-")


def test_two_senders_never_send_a_mail_twice(
    portal: Portal, world: World, smtp: tuple[SmtpSettings, Inbox], database_url: str
) -> None:
    """Row locks (FOR UPDATE SKIP LOCKED) on PostgreSQL; SQLite deployments run one sender."""
    import threading

    if not database_url.startswith("postgresql"):
        pytest.skip("row locking is a PostgreSQL guarantee; SQLite runs a single sender")
    settings, inbox = smtp
    with portal.sessions() as session:
        for i in range(12):
            queue_email(
                session,
                recipient=f"p{i}@example.no",
                subject="x",
                body="y",
                now=dt.datetime.now(dt.UTC),
            )
        session.commit()
    counts: list[int] = []

    def send() -> None:
        counts.append(deliver_outbox(portal.sessions, settings, portal.files, max_attempts=5))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 12
    assert sorted(m["To"] for m in inbox.messages) == sorted(f"p{i}@example.no" for i in range(12))


def test_access_log_redacts_share_tokens() -> None:
    import logging

    from portal.access_log import RedactAccessLog

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (
            "127.0.0.1:5000",
            "GET",
            "/s/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde/uploads/x/status",
            "1.1",
            200,
        ),
        None,
    )
    assert RedactAccessLog().filter(record)
    assert (
        "AbCdEf" not in record.getMessage() and "/s/<token>/uploads/x/status" in record.getMessage()
    )
