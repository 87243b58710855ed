"""The reviewer's queue: borderline uploads oldest first, the image with the drawn regions and
measured values, approve or reject with a reason; and the production steps after approval."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.annotation import annotated_image
from portal.deps import ContextDep, CsrfDep, PortalDep, ReviewerDep, SessionDep, page
from portal.lifecycle import review_upload, ship_order, start_production
from portal.models import Order, OrderStatus, Upload, UploadState

router = APIRouter()

WAITING = (UploadState.REVIEW, UploadState.ERROR)


def _waiting_upload(session: SessionDep, upload_id: str) -> Upload:
    upload = session.get(Upload, upload_id) if len(upload_id) == 32 else None
    if upload is None:
        raise HTTPException(status_code=404)
    return upload


@router.get("/review")
def queue(request: Request, portal: PortalDep, session: SessionDep, user: ReviewerDep) -> Response:
    # Only the uploads that still count for a pending order: a retake supersedes older tries.
    waiting = session.scalars(
        select(Upload)
        .join(Order, Order.id == Upload.order_id)
        .where(Upload.state.in_(WAITING), Order.status == OrderStatus.PENDING)
        .where((Order.photo_upload_id == Upload.id) | (Order.id_upload_id == Upload.id))
        .options(joinedload(Upload.order).joinedload(Order.company))
        .order_by(Upload.created_at, Upload.id)
        .limit(200)
    ).all()
    production = session.scalars(
        select(Order)
        .where(Order.status.in_([OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION]))
        .options(joinedload(Order.company))
        .order_by(Order.updated_at)
        .limit(200)
    ).all()
    return page(
        request, portal, "review_queue.html", user=user, uploads=waiting, production=production
    )


@router.get("/review/uploads/{upload_id}")
def item(
    request: Request, portal: PortalDep, session: SessionDep, user: ReviewerDep, upload_id: str
) -> Response:
    upload = _waiting_upload(session, upload_id)
    return page(request, portal, "review_item.html", user=user, upload=upload, order=upload.order)


@router.get("/review/uploads/{upload_id}/{variant}.jpg")
def image(
    portal: PortalDep, session: SessionDep, user: ReviewerDep, upload_id: str, variant: str
) -> Response:
    upload = _waiting_upload(session, upload_id)
    if variant == "annotated":
        data = annotated_image(portal, upload.id)
    else:
        name = {"original": upload.stored_name, "crop": upload.crop_name}.get(variant)
        data = portal.files.read(name) if name else None
    if data is None:
        raise HTTPException(status_code=404)
    return Response(
        data,
        media_type="image/jpeg",
        headers={"Cache-Control": "private, no-store"},
    )


@router.post("/review/uploads/{upload_id}", dependencies=[CsrfDep])
def decide(
    request: Request,
    portal: PortalDep,
    context: ContextDep,
    session: SessionDep,
    user: ReviewerDep,
    upload_id: str,
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    upload = _waiting_upload(session, upload_id)
    if upload.state not in WAITING:
        raise HTTPException(status_code=409, detail="already decided")
    if decision == "reject" and not reason.strip():
        return page(
            request,
            portal,
            "review_item.html",
            status_code=422,
            user=user,
            upload=upload,
            order=upload.order,
            error=("Skriv en begrunnelse.", "Give a reason."),
        )
    review_upload(
        context(f"reviewer:{user.id}"),
        upload,
        user,
        approve=decision == "approve",
        reason=reason.strip() or "Godkjent / approved",
    )
    session.commit()
    return RedirectResponse("/review", status_code=303)


@router.post("/review/orders/{order_id}/{step}", dependencies=[CsrfDep])
def production_step(
    context: ContextDep, session: SessionDep, user: ReviewerDep, order_id: int, step: str
) -> Response:
    order = session.get(Order, order_id)
    if order is None or step not in ("production", "shipped"):
        raise HTTPException(status_code=404)
    ctx = context(f"reviewer:{user.id}")
    if step == "production" and order.status == OrderStatus.APPROVED:
        start_production(ctx, order)
    elif step == "shipped" and order.status == OrderStatus.IN_PRODUCTION:
        ship_order(ctx, order)
    else:
        raise HTTPException(status_code=409)
    session.commit()
    return RedirectResponse("/review", status_code=303)
