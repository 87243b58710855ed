"""Share links: made by the orderer (optionally e-mailed to the employee), resolved from the
token the employee holds, revoked. Only the token's SHA-256 is stored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.lifecycle import Context
from portal.mail import queue_email
from portal.models import Order, OrderStatus, ShareLink, User
from portal.security import new_share_token, token_digest


class LinkUnknown(Exception):
    """No link has this token (answered as 404: nothing tells a guess from a typo)."""


class LinkGone(Exception):
    """The link existed but no longer works; carries the reason in both languages (410)."""

    def __init__(self, message: tuple[str, str]) -> None:
        super().__init__(message[1])
        self.message = message


class OrderNotPending(Exception):
    """Share links are made for pending orders only."""


LINK_EXPIRED = (
    "Lenken er utløpt. Be arbeidsgiveren om en ny.",
    "The link has expired. Ask your employer for a new one.",
)
LINK_REVOKED = ("Lenken er trukket tilbake.", "The link has been revoked.")
ORDER_FINISHED = (
    "Denne bestillingen er avsluttet. Du trenger ikke gjøre noe mer.",
    "This order is finished. There is nothing more to do.",
)


def order_finished_for_link(order: Order, now: dt.datetime, grace: dt.timedelta) -> bool:
    """A finished order closes its links once the grace (to see the last verdict) is over."""
    return order.status != OrderStatus.PENDING and order.updated_at + grace <= now


def resolve_link(
    session: Session, token: str, now: dt.datetime, grace: dt.timedelta = dt.timedelta(0)
) -> ShareLink:
    """The live link for this token; LinkUnknown or LinkGone otherwise (also when its order
    finished more than `grace` ago: the page then shows no name, company or image)."""
    if not 20 <= len(token) <= 100:
        raise LinkUnknown
    link = session.scalar(select(ShareLink).where(ShareLink.token_hash == token_digest(token)))
    if link is None:
        raise LinkUnknown
    if link.revoked_at is not None:
        raise LinkGone(LINK_REVOKED)
    if link.expires_at <= now:
        raise LinkGone(LINK_EXPIRED)
    if order_finished_for_link(link.order, now, grace):
        raise LinkGone(ORDER_FINISHED)
    return link


def share_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


def create_share_link(ctx: Context, order: Order, creator: User, *, send_email: bool) -> str:
    """A new link for a pending order; e-mailed to the employee when asked and they have an
    address. Returns the URL, which is shown once (only its hash is kept)."""
    if order.status != OrderStatus.PENDING:
        raise OrderNotPending
    token = new_share_token()
    days = ctx.settings.share_link_days
    ctx.session.add(
        ShareLink(
            token_hash=token_digest(token),
            order_id=order.id,
            employee_id=order.employee_id,
            created_by=creator.id,
            created_at=ctx.now,
            expires_at=ctx.now + dt.timedelta(days=days),
        )
    )
    url = share_url(ctx.settings.base_url, token)
    employee = order.employee
    if send_email and employee.email:
        company = order.company.name
        queue_email(
            ctx.session,
            recipient=employee.email,
            subject=f"HMS-kort: last opp bilde / upload your photo ({company})",
            body=(
                f"Hei {employee.given_names},\n\n{company} har bestilt HMS-kort til deg. "
                f"Last opp et portrett og et ID-dokument her (lenken virker i {days} dager):\n"
                f"{url}\n\n{company} has ordered an HSE card for you. Upload a "
                f"portrait and an identity document here (the link works for {days} days):\n{url}\n"
            ),
            now=ctx.now,
        )
    ctx.session.commit()
    return url


def revoke_share_link(ctx: Context, link: ShareLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = ctx.now
        ctx.session.commit()
