"""Orders: place, follow (status, reasons, uploads), cancel; share links; temporary card."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.card_codes import qr_content, status_url
from portal.card_pdf import temporary_card_pdf
from portal.deps import (
    CompanyDep,
    ContextDep,
    CsrfDep,
    NowDep,
    PortalDep,
    SessionDep,
    UserDep,
    company_employee,
    company_order,
    flash,
    page,
)
from portal.lifecycle import OrderNotAllowed, cancel_order, place_order
from portal.models import (
    Card,
    CardStatus,
    Order,
    OrderStatus,
    ShareLink,
    Upload,
    effective_card_status,
)
from portal.sharing import OrderNotPending, create_share_link, revoke_share_link
from verifier import UploadKind

router = APIRouter()


@router.post("/employees/{employee_id}/orders", dependencies=[CsrfDep])
def order_card(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    user: UserDep,
    company: CompanyDep,
    employee_id: int,
) -> Response:
    employee = company_employee(session, company, employee_id)
    try:
        order = place_order(context(f"user:{user.id}"), employee, user)
    except OrderNotAllowed as exc:
        session.rollback()
        request.session["flash_error"] = [exc.message_nb, exc.message_en]
        return RedirectResponse(f"/employees/{employee.id}", status_code=303)
    session.commit()
    flash(
        request,
        f"HMS-kort bestilt for {employee.name}. Lag en delingslenke så den ansatte kan laste opp "
        "portrett og ID-dokument.",
        f"HSE card ordered for {employee.name}. Create a share link so the employee can upload "
        "a portrait and an identity document.",
    )
    return RedirectResponse(f"/orders/{order.id}", status_code=303)


@router.get("/orders")
def list_orders(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    user: UserDep,
    company: CompanyDep,
    status: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    query = select(Order).where(Order.company_id == company.id)
    if status in {s.value for s in OrderStatus}:
        query = query.where(Order.status == status)
    orders = session.scalars(
        query.options(joinedload(Order.employee)).order_by(Order.created_at.desc()).limit(200)
    ).all()
    return page(
        request,
        portal,
        "orders.html",
        user=user,
        company=company,
        orders=orders,
        status=status,
    )


@router.get("/orders/{order_id}")
def show_order(
    request: Request,
    portal: PortalDep,
    now: NowDep,
    session: SessionDep,
    user: UserDep,
    company: CompanyDep,
    order_id: int,
) -> Response:
    order = company_order(session, company, order_id)
    uploads = session.scalars(
        select(Upload).where(Upload.order_id == order.id).order_by(Upload.created_at.desc())
    ).all()
    links = session.scalars(
        select(ShareLink)
        .where(ShareLink.order_id == order.id)
        .order_by(ShareLink.created_at.desc())
    ).all()
    card = session.scalar(select(Card).where(Card.order_id == order.id))
    new_link = request.session.pop("new_share_link", None)
    return page(
        request,
        portal,
        "order.html",
        user=user,
        company=company,
        order=order,
        uploads=uploads,
        links=links,
        card=card,
        new_link=new_link,
        now=now,
        photo=next((u for u in uploads if u.id == order.photo_upload_id), None),
        id_doc=next((u for u in uploads if u.id == order.id_upload_id), None),
    )


@router.post("/orders/{order_id}/cancel", dependencies=[CsrfDep])
def cancel(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    user: UserDep,
    company: CompanyDep,
    order_id: int,
) -> Response:
    order = company_order(session, company, order_id)
    if order.status == OrderStatus.PENDING:
        cancel_order(context(f"user:{user.id}"), order)
        session.commit()
        flash(request, "Bestillingen er kansellert.", "The order is cancelled.")
    return RedirectResponse(f"/orders/{order.id}", status_code=303)


@router.post("/orders/{order_id}/share-links", dependencies=[CsrfDep])
def make_share_link(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    user: UserDep,
    company: CompanyDep,
    order_id: int,
    send_email: Annotated[bool, Form()] = False,
) -> Response:
    order = company_order(session, company, order_id)
    try:
        url = create_share_link(context(f"user:{user.id}"), order, user, send_email=send_email)
    except OrderNotPending:
        raise HTTPException(status_code=409, detail="order is not pending") from None
    # Shown once on the next page; only the hash is stored.
    request.session["new_share_link"] = url
    email = order.employee.email
    if send_email and email:
        flash(
            request,
            f"Lenken er laget og sendt på e-post til {email}.",
            f"The link was created and e-mailed to {email}.",
        )
    else:
        flash(
            request,
            "Lenken er laget. Kopier den og send den til den ansatte.",
            "The link was created. Copy it and send it to the employee.",
        )
    return RedirectResponse(f"/orders/{order.id}", status_code=303)


@router.post("/share-links/{link_id}/revoke", dependencies=[CsrfDep])
def revoke(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    user: UserDep,
    company: CompanyDep,
    link_id: int,
) -> Response:
    link = session.get(ShareLink, link_id)
    if link is None or link.order.company_id != company.id:
        raise HTTPException(status_code=404)
    revoke_share_link(context(f"user:{user.id}"), link)
    flash(request, "Lenken er trukket tilbake.", "The link is revoked.")
    return RedirectResponse(f"/orders/{link.order_id}", status_code=303)


@router.get("/orders/{order_id}/photo")
def order_photo(
    portal: PortalDep, session: SessionDep, user: UserDep, company: CompanyDep, order_id: int
) -> Response:
    """The card crop of the order's current portrait."""
    order = company_order(session, company, order_id)
    upload = session.get(Upload, order.photo_upload_id) if order.photo_upload_id else None
    if upload is None or upload.kind != UploadKind.PHOTO or not upload.crop_name:
        raise HTTPException(status_code=404)
    return Response(
        portal.files.read(upload.crop_name),
        media_type="image/jpeg",
        headers={"Cache-Control": "private, no-store"},
    )


@router.get("/orders/{order_id}/temporary-card.pdf")
def temporary_card(
    portal: PortalDep,
    now: NowDep,
    session: SessionDep,
    user: UserDep,
    company: CompanyDep,
    order_id: int,
) -> Response:
    order = company_order(session, company, order_id)
    card = session.scalar(select(Card).where(Card.order_id == order.id))
    if card is None:
        raise HTTPException(status_code=404)
    status = effective_card_status(card, now)
    if status != CardStatus.VALID:
        # A temporary card only stands in for a valid one: none for a blocked, expired or
        # invalid card, so no printout of it can pass for valid.
        label = {"blocked": ("sperret", "blocked"), "expired": ("utløpt", "expired")}.get(
            status, ("ugyldig", "invalid")
        )
        raise HTTPException(
            status_code=410,
            detail=(
                f"Kortet er {label[0]}. Det midlertidige kortet gjelder ikke lenger.",
                f"The card is {label[1]}. The temporary card no longer applies.",
            ),
        )
    upload = session.get(Upload, order.photo_upload_id) if order.photo_upload_id else None
    pdf = temporary_card_pdf(
        name=order.employee.name,
        company=order.company.name,
        card_number=card.card_number,
        expires=card.expires_at.date(),
        portrait_jpeg=portal.files.read(upload.crop_name) if upload and upload.crop_name else None,
        status_link=status_url(portal.settings.base_url, card.card_number),
        qr_content=qr_content(
            portal.settings.base_url, card.card_number, portal.settings.card_code_key
        ),
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="hms-kort-{card.card_number}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )
