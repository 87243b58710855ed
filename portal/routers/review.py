"""The reviewer's queue: borderline uploads oldest first, the image with the drawn regions and
measured values, approve or reject with a reason; and the production steps after approval."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.annotation import annotated_image
from portal.deps import ContextDep, CsrfDep, PortalDep, ReviewerDep, SessionDep, flash, page
from portal.i18n import lang_of
from portal.lifecycle import review_upload, ship_order, start_production
from portal.models import Card, CardStatus, Order, OrderStatus, Upload, UploadState
from portal.rule_labels import review_rows, suggested_reason
from portal.workbench import document_face_box, face_crop_jpeg, overlay
from verifier import UploadKind

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
    blocked = select(Card.id).where(Card.order_id == Order.id, Card.status == CardStatus.BLOCKED)
    production = session.scalars(
        select(Order)
        .where(Order.status.in_([OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION]))
        .where(~blocked.exists())
        .options(joinedload(Order.company))
        .order_by(Order.updated_at)
        .limit(200)
    ).all()
    return page(
        request, portal, "review_queue.html", user=user, uploads=waiting, production=production
    )


def _waiting_ids(session: SessionDep) -> list[str]:
    """The review queue's upload ids, oldest first (the order the queue page lists them)."""
    return list(
        session.scalars(
            select(Upload.id)
            .join(Order, Order.id == Upload.order_id)
            .where(Upload.state.in_(WAITING), Order.status == OrderStatus.PENDING)
            .where((Order.photo_upload_id == Upload.id) | (Order.id_upload_id == Upload.id))
            .order_by(Upload.created_at, Upload.id)
            .limit(200)
        )
    )


def _next_after(session: SessionDep, upload_id: str) -> str | None:
    """The next waiting item after this one (or the first one left when this was the last)."""
    waiting = _waiting_ids(session)
    if upload_id in waiting:
        later = waiting[waiting.index(upload_id) + 1 :]
        if later:
            return later[0]
    rest = [u for u in waiting if u != upload_id]
    return rest[0] if rest else None


def _document_face_of(session: SessionDep, upload: Upload) -> Upload | None:
    """The ID-document upload whose face-match region shows the document's portrait."""
    order = upload.order
    candidate = (
        upload
        if upload.kind == UploadKind.ID_DOCUMENT
        else (session.get(Upload, order.id_upload_id) if order.id_upload_id else None)
    )
    if candidate is None or document_face_box(candidate) is None:
        return None
    return candidate


def _item_page(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    user: ReviewerDep,
    upload: Upload,
    *,
    status_code: int = 200,
    error: tuple[str, str] | None = None,
) -> Response:
    lang = lang_of(request)
    results = upload.rule_results
    prefill = suggested_reason(results, lang, str(upload.kind))
    waiting = _waiting_ids(session)
    return page(
        request,
        portal,
        "review_item.html",
        status_code=status_code,
        user=user,
        upload=upload,
        order=upload.order,
        rows=review_rows(results, lang),
        overlay=overlay(upload.verdict, results, lang),
        prefill=prefill,
        document_face=_document_face_of(session, upload),
        next_id=_next_after(session, upload.id),
        position=(waiting.index(upload.id) + 1) if upload.id in waiting else None,
        waiting_count=len(waiting),
        error=error,
    )


@router.get("/review/uploads/{upload_id}")
def item(
    request: Request, portal: PortalDep, session: SessionDep, user: ReviewerDep, upload_id: str
) -> Response:
    upload = _waiting_upload(session, upload_id)
    return _item_page(request, portal, session, user, upload)


@router.get("/review/uploads/{upload_id}/document-face.jpg")
def document_face(
    portal: PortalDep, session: SessionDep, user: ReviewerDep, upload_id: str
) -> Response:
    upload = _waiting_upload(session, upload_id)
    box = document_face_box(upload)
    if box is None:
        raise HTTPException(status_code=404)
    return Response(
        face_crop_jpeg(portal.files.read(upload.stored_name), box),
        media_type="image/jpeg",
        headers={"Cache-Control": "private, no-store"},
    )


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
    prefill: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    upload = _waiting_upload(session, upload_id)
    if upload.state not in WAITING:
        raise HTTPException(status_code=409, detail="already decided")
    approve = decision == "approve"
    text = reason.strip()
    if approve and text == prefill.strip():
        text = ""  # the suggested rejection reason is no reason to approve
    if not approve and not text:
        return _item_page(
            request,
            portal,
            session,
            user,
            upload,
            status_code=422,
            error=("Skriv en begrunnelse.", "Give a reason."),
        )
    following = _next_after(session, upload.id)
    review_upload(
        context(f"reviewer:{user.id}"),
        upload,
        user,
        approve=approve,
        reason=text or "Godkjent / approved",
    )
    session.commit()
    what = (
        ("Portrettet", "The portrait")
        if upload.kind == UploadKind.PHOTO
        else (
            "ID-dokumentet",
            "The ID document",
        )
    )
    done = (
        ("godkjent", "approved")
        if approve
        else ("avvist; bestilleren får beskjed", "rejected; the orderer is told")
    )
    more = (
        (" Her er neste sak.", " Here is the next item.")
        if following
        else (
            " Køen er tom.",
            " The queue is empty.",
        )
    )
    flash(request, f"{what[0]} er {done[0]}.{more[0]}", f"{what[1]} is {done[1]}.{more[1]}")
    target = f"/review/uploads/{following}" if following else "/review"
    return RedirectResponse(target, status_code=303)


@router.post("/review/orders/{order_id}/{step}", dependencies=[CsrfDep])
def production_step(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    user: ReviewerDep,
    order_id: int,
    step: str,
) -> Response:
    order = session.get(Order, order_id)
    if order is None or step not in ("production", "shipped"):
        raise HTTPException(status_code=404)
    ctx = context(f"reviewer:{user.id}")
    card = session.scalar(select(Card).where(Card.order_id == order.id))
    if card is not None and card.status == CardStatus.BLOCKED:
        raise HTTPException(status_code=409, detail=("Kortet er sperret.", "The card is blocked."))
    if step == "production" and order.status == OrderStatus.APPROVED:
        start_production(ctx, order)
    elif step == "shipped" and order.status == OrderStatus.IN_PRODUCTION:
        ship_order(ctx, order)
    else:
        raise HTTPException(status_code=409)
    session.commit()
    if step == "production":
        flash(
            request,
            f"Bestilling {order.id} er i produksjon.",
            f"Order {order.id} is in production.",
        )
    else:
        flash(request, f"Bestilling {order.id} er sendt.", f"Order {order.id} is shipped.")
    return RedirectResponse("/review", status_code=303)
