"""Level 2: place an order (idempotent), follow it, cancel it, upload its portrait and ID
document (the share link's intake: same limits, same verdicts), read the verdicts."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Header, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.intake import UploadRefused, accept_upload, ensure_open, read_limited
from portal.lifecycle import OrderNotAllowed, TransitionError, cancel_order, place_order
from portal.limits import upload_file_limit
from portal.models import IdempotencyKey, Order, OrderStatus
from verifier import UploadKind

from ..deps import (
    Caller,
    OrdersRead,
    OrdersWrite,
    UploadsWrite,
    own_employee,
    own_order,
    own_upload,
)
from ..problems import Problem
from ..views import order_view, upload_view

router = APIRouter(tags=["orders"])


class NewOrder(BaseModel):
    employee_id: int


def _replay(caller: Caller, key: str, digest: str) -> JSONResponse | None:
    found = caller.session.get(IdempotencyKey, (caller.client.id, key))
    if found is None:
        return None
    if found.request_digest != digest:
        raise Problem(
            422,
            "This Idempotency-Key was used with another request body.",
            kind="idempotency-key-reused",
        )
    order = caller.session.get(Order, found.order_id) if found.order_id is not None else None
    if order is None:
        raise Problem(409, "The first request with this key is still running.", kind="in-progress")
    return JSONResponse(
        order_view(caller.session, order, caller.now),
        status_code=201,
        headers={"Location": f"/api/v1/orders/{order.id}", "Idempotent-Replayed": "true"},
    )


@router.post("/v1/orders", status_code=201, summary="Order a card for an employee")
def create_order(
    caller: OrdersWrite,
    body: NewOrder,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    digest = hashlib.sha256(json.dumps(body.model_dump(), sort_keys=True).encode()).hexdigest()
    if idempotency_key is not None:
        replayed = _replay(caller, idempotency_key, digest)
        if replayed is not None:
            return replayed
    employee = own_employee(caller, body.employee_id)
    claim: IdempotencyKey | None = None
    try:
        if idempotency_key is not None:
            # The key first: a concurrent request with the same key blocks on its unique index
            # until this transaction ends, then fails and replays this order.
            claim = IdempotencyKey(
                api_client_id=caller.client.id,
                key=idempotency_key,
                request_digest=digest,
                created_at=caller.now,
            )
            caller.session.add(claim)
            caller.session.flush()
        order = place_order(caller.context(), employee, caller.orderer)
        if claim is not None:
            claim.order_id = order.id
        caller.session.commit()
    except OrderNotAllowed as exc:
        caller.session.rollback()
        raise Problem(
            409, exc.message_en, kind="order-not-allowed", detail_nb=exc.message_nb
        ) from None
    except IntegrityError:
        caller.session.rollback()
        replayed = _replay(caller, idempotency_key, digest) if idempotency_key else None
        if replayed is None:
            raise
        return replayed
    return JSONResponse(
        order_view(caller.session, order, caller.now),
        status_code=201,
        headers={"Location": f"/api/v1/orders/{order.id}"},
    )


@router.get("/v1/orders", summary="The company's orders, newest first")
def list_orders(
    caller: OrdersRead,
    status: Annotated[OrderStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, object]:
    query = select(Order).where(Order.company_id == caller.company.id)
    if status is not None:
        query = query.where(Order.status == status)
    orders = caller.session.scalars(query.order_by(Order.id.desc()).limit(limit)).all()
    return {"orders": [order_view(caller.session, o, caller.now) for o in orders]}


@router.get("/v1/orders/{order_id}", summary="An order: state, reasons, verdicts, card")
def show_order(caller: OrdersRead, order_id: int) -> dict[str, object]:
    return order_view(caller.session, own_order(caller, order_id), caller.now)


@router.post("/v1/orders/{order_id}/cancel", summary="Cancel a pending order")
def cancel(caller: OrdersWrite, order_id: int) -> dict[str, object]:
    order = own_order(caller, order_id)
    if order.status != OrderStatus.CANCELLED:
        try:
            cancel_order(caller.context(), order)
        except TransitionError as exc:
            caller.session.rollback()
            raise Problem(
                409, f"An order that is {exc.state} cannot be cancelled.", kind="order-state"
            ) from None
        caller.session.commit()
    return order_view(caller.session, order, caller.now)


def _upload(
    caller: Caller, order_id: int, kind: UploadKind, file: UploadFile, religious_headgear: bool
) -> JSONResponse:
    order = own_order(caller, order_id)
    try:
        ensure_open(order)
        data = read_limited(file.file, upload_file_limit(caller.portal.settings))
        intake = accept_upload(
            caller.portal,
            caller.context(),
            order,
            kind,
            data,
            religious_headgear=religious_headgear,
            interactive=False,
        )
    except UploadRefused as refused:
        caller.session.rollback()
        raise Problem(
            refused.status_code,
            refused.message[1],
            kind="upload-refused",
            detail_nb=refused.message[0],
        ) from None
    return JSONResponse(
        {**(upload_view(intake.upload) or {}), "id_document_rechecked": intake.id_rechecked},
        status_code=202,
        headers={"Location": f"/api/v1/uploads/{intake.upload.id}"},
    )


@router.post(
    "/v1/orders/{order_id}/photo", status_code=202, summary="Upload the portrait (multipart)"
)
def upload_photo(
    caller: UploadsWrite,
    order_id: int,
    file: Annotated[UploadFile, File()],
    religious_headgear: Annotated[bool, Form()] = False,
) -> JSONResponse:
    return _upload(caller, order_id, UploadKind.PHOTO, file, religious_headgear)


@router.post(
    "/v1/orders/{order_id}/id-document",
    status_code=202,
    summary="Upload the identity document (multipart)",
)
def upload_id_document(
    caller: UploadsWrite, order_id: int, file: Annotated[UploadFile, File()]
) -> JSONResponse:
    return _upload(caller, order_id, UploadKind.ID_DOCUMENT, file, False)


@router.get("/v1/uploads/{upload_id}", summary="One upload's verdict, rule by rule")
def show_upload(caller: OrdersRead, upload_id: str) -> dict[str, object]:
    return upload_view(own_upload(caller, upload_id)) or {}
