"""The employee's side: a share link page to upload a portrait and an ID document, with the
verdict shown on the same page within seconds (the check runs on the queue, never here)."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import verification
from portal.annotation import annotated_image
from portal.app import Portal
from portal.clock import utcnow
from portal.deps import CsrfDep, PortalDep, SessionDep, context, page
from portal.files import clean_jpeg
from portal.i18n import lang_of
from portal.lifecycle import attach_upload, recheck_id_against_new_portrait
from portal.models import OrderStatus, ShareLink, Upload, UploadKind, UploadState
from portal.security import token_digest
from verifier.decode import DecodeError, decode_image
from verifier.policy import default_policy

router = APIRouter()
log = logging.getLogger(__name__)

_GONE = {
    "expired": (
        "Lenken er utløpt. Be arbeidsgiveren om en ny.",
        "The link has expired. Ask your employer for a new one.",
    ),
    "revoked": ("Lenken er trukket tilbake.", "The link has been revoked."),
}


def resolve_link(session: Session, token: str) -> ShareLink:
    """The live link for this token: 404 when unknown, 410 when expired or revoked."""
    if not 20 <= len(token) <= 100:
        raise HTTPException(status_code=404)
    link = session.scalar(select(ShareLink).where(ShareLink.token_hash == token_digest(token)))
    if link is None:
        raise HTTPException(status_code=404)
    if link.revoked_at is not None:
        raise HTTPException(status_code=410, detail=_GONE["revoked"])
    if link.expires_at <= utcnow():
        raise HTTPException(status_code=410, detail=_GONE["expired"])
    return link


def _latest(session: Session, order_id: int, upload_id: str | None) -> Upload | None:
    if upload_id is None:
        return None
    upload = session.get(Upload, upload_id)
    return upload if upload is not None and upload.order_id == order_id else None


@router.get("/s/{token}")
def share_page(request: Request, portal: PortalDep, session: SessionDep, token: str) -> Response:
    link = resolve_link(session, token)
    order = link.order
    return page(
        request,
        portal,
        "share.html",
        token=token,
        link=link,
        order=order,
        employee=link.employee,
        company=order.company,
        photo=_latest(session, order.id, order.photo_upload_id),
        id_doc=_latest(session, order.id, order.id_upload_id),
        open_for_uploads=order.status == OrderStatus.PENDING,
    )


def _is_fetch(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


def _declared_too_large(request: Request, portal: Portal) -> bool:
    """Refuses by Content-Length before reading a byte of an oversized body."""
    length = request.headers.get("content-length")
    return bool(
        length and length.isdigit() and int(length) > portal.settings.upload_max_bytes + 65_536
    )


def _read_limited(file: UploadFile, limit: int) -> bytes | None:
    data = file.file.read(limit + 1)
    return None if len(data) > limit else data


def _store_upload(
    request: Request,
    portal: Portal,
    session: Session,
    token: str,
    kind: UploadKind,
    file: UploadFile,
    religious_headgear: bool,
) -> Response:
    lang = lang_of(request)

    def error(message: tuple[str, str], code: int) -> Response:
        """A fragment for the page's script; the error page for a plain form post."""
        if not _is_fetch(request):
            raise HTTPException(status_code=code, detail=message)
        return page(
            request, portal, "_upload_error.html", status_code=code, message=message, lang=lang
        )

    try:
        link = resolve_link(session, token)
    except HTTPException as exc:
        if exc.status_code == 410 and isinstance(exc.detail, tuple):
            return error(exc.detail, 410)
        raise
    if not portal.share_upload_limiter.allow(link.token_hash):
        return error(
            (
                "For mange opplastinger. Vent litt og prøv igjen.",
                "Too many uploads. Wait a little and try again.",
            ),
            429,
        )
    order = link.order
    if order.status != OrderStatus.PENDING:
        return error(("Bestillingen er ikke lenger åpen.", "The order is no longer open."), 409)

    limits = default_policy().decode
    max_bytes = min(portal.settings.upload_max_bytes, limits.max_bytes)
    data = None if _declared_too_large(request, portal) else _read_limited(file, max_bytes)
    if data is None:
        mb = round(max_bytes / 1_000_000, 1)
        return error(
            (f"Filen er for stor (over {mb} MB).", f"The file is too large (over {mb} MB)."), 413
        )
    try:
        # Decoding here only sniffs the type and strips metadata; the checks run on the queue.
        decoded = decode_image(data, limits, long_side=portal.settings.stored_long_side)
    except DecodeError as exc:
        return error((exc.message_nb, exc.message_en), 422)
    clean = clean_jpeg(decoded, portal.settings.stored_long_side)
    stored_name = portal.files.save(clean)
    ctx = context(portal, session, "share-link")
    upload = Upload(
        id=secrets.token_hex(16),
        order_id=order.id,
        kind=kind,
        stored_name=stored_name,
        source_format=decoded.source_format,
        size_bytes=len(data),
        religious_headgear=religious_headgear,
        state=UploadState.QUEUED,
        created_at=ctx.now,
    )
    session.add(upload)
    attach_upload(ctx, order, upload)
    recheck = recheck_id_against_new_portrait(ctx, order, upload)
    session.commit()
    verification.enqueue(portal, upload.id, kind, interactive=True)
    if recheck is not None:
        verification.enqueue(portal, recheck.id, UploadKind.ID_DOCUMENT, interactive=True)
    if not _is_fetch(request):
        return RedirectResponse(f"/s/{token}", status_code=303)
    return page(
        request,
        portal,
        "_upload_status.html",
        upload=upload,
        token=token,
        lang=lang,
        id_rechecked=recheck is not None,
    )


@router.post("/s/{token}/photo", dependencies=[CsrfDep])
def upload_photo(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    token: str,
    photo: Annotated[UploadFile, File()],
    religious_headgear: Annotated[bool, Form()] = False,
) -> Response:
    return _store_upload(
        request, portal, session, token, UploadKind.PHOTO, photo, religious_headgear
    )


@router.post("/s/{token}/id-document", dependencies=[CsrfDep])
def upload_id_document(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    token: str,
    document: Annotated[UploadFile, File()],
) -> Response:
    return _store_upload(request, portal, session, token, UploadKind.ID_DOCUMENT, document, False)


def _link_upload(session: Session, token: str, upload_id: str) -> Upload:
    link = resolve_link(session, token)
    upload = session.get(Upload, upload_id) if len(upload_id) == 32 else None
    if upload is None or upload.order_id != link.order_id:
        raise HTTPException(status_code=404)
    return upload


@router.get("/s/{token}/uploads/{upload_id}/status")
def upload_status(
    request: Request, portal: PortalDep, session: SessionDep, token: str, upload_id: str
) -> Response:
    upload = _link_upload(session, token, upload_id)
    return page(request, portal, "_upload_status.html", upload=upload, token=token)


@router.get("/s/{token}/uploads/{upload_id}/{variant}.jpg")
def upload_image(
    portal: PortalDep, session: SessionDep, token: str, upload_id: str, variant: str
) -> Response:
    upload = _link_upload(session, token, upload_id)
    if variant == "annotated":
        data = annotated_image(portal, upload.id)
    elif variant == "crop" and upload.crop_name:
        data = portal.files.read(upload.crop_name)
    else:
        data = None
    if data is None:
        raise HTTPException(status_code=404)
    return Response(
        data,
        media_type="image/jpeg",
        headers={"Cache-Control": "private, no-store"},
    )
