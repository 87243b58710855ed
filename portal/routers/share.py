"""The employee's side: a share link page to upload a portrait and an ID document, with the
verdict shown on the same page within seconds (the check runs on the queue, never here)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from portal.annotation import annotated_image
from portal.deps import ContextDep, CsrfDep, NowDep, PortalDep, SessionDep, page
from portal.i18n import lang_of
from portal.intake import UploadRefused, accept_upload, ensure_open, read_limited
from portal.limits import upload_file_limit
from portal.models import OrderStatus, ShareLink, Upload
from portal.sharing import LinkGone, LinkUnknown, resolve_link
from portal.state import Portal
from verifier import UploadKind

router = APIRouter()
log = logging.getLogger(__name__)


def live_link(portal: Portal, session: Session, token: str, now: dt.datetime) -> ShareLink:
    """The live link for this token: 404 when unknown, 410 when expired, revoked, or its order
    finished (a short page without personal data)."""
    try:
        return resolve_link(session, token, now, _grace(portal))
    except LinkUnknown:
        raise HTTPException(status_code=404) from None
    except LinkGone as exc:
        raise HTTPException(status_code=410, detail=exc.message) from None


def _grace(portal: Portal) -> dt.timedelta:
    return dt.timedelta(minutes=portal.settings.share_link_grace_minutes)


def _late_before(portal: Portal, now: dt.datetime) -> dt.datetime:
    """An upload queued before this moment has waited too long for "a few seconds"."""
    return now - dt.timedelta(seconds=portal.settings.check_late_after_s)


def _latest(session: Session, order_id: int, upload_id: str | None) -> Upload | None:
    if upload_id is None:
        return None
    upload = session.get(Upload, upload_id)
    return upload if upload is not None and upload.order_id == order_id else None


@router.get("/s/{token}")
def share_page(
    request: Request, portal: PortalDep, session: SessionDep, now: NowDep, token: str
) -> Response:
    link = live_link(portal, session, token, now)
    order = link.order
    response = page(
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
        late_before=_late_before(portal, now),
    )
    # The camera guidance compiles MediaPipe's WASM runtime: allowed here, and only here.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
        "style-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    return response


def _is_fetch(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


_TOO_MANY_UPLOADS = (
    "For mange opplastinger. Vent litt og prøv igjen.",
    "Too many uploads. Wait a little and try again.",
)


def _store_upload(
    request: Request,
    portal: Portal,
    context: ContextDep,
    token: str,
    kind: UploadKind,
    file: UploadFile,
    religious_headgear: bool,
) -> Response:
    lang = lang_of(request)

    def error(refused: UploadRefused) -> Response:
        """A fragment for the page's script; the error page for a plain form post."""
        if not _is_fetch(request):
            raise HTTPException(status_code=refused.status_code, detail=refused.message)
        return page(
            request,
            portal,
            "_upload_error.html",
            status_code=refused.status_code,
            message=refused.message,
            lang=lang,
        )

    ctx = context("share-link")
    try:
        link = resolve_link(ctx.session, token, ctx.now, _grace(portal))
        if not portal.share_upload_limiter.allow(link.token_hash):
            raise UploadRefused(429, _TOO_MANY_UPLOADS)
        ensure_open(link.order)
        data = read_limited(file.file, upload_file_limit(portal.settings))
        intake = accept_upload(
            portal, ctx, link.order, kind, data, religious_headgear=religious_headgear
        )
    except LinkUnknown:
        raise HTTPException(status_code=404) from None
    except LinkGone as exc:
        return error(UploadRefused(410, exc.message))
    except UploadRefused as refused:
        return error(refused)
    if not _is_fetch(request):
        return RedirectResponse(f"/s/{token}", status_code=303)
    return page(
        request,
        portal,
        "_upload_status.html",
        upload=intake.upload,
        token=token,
        lang=lang,
        id_rechecked=intake.id_rechecked,
        delayed=intake.delayed,
        late_before=_late_before(portal, ctx.now),
    )


@router.post("/s/{token}/photo", dependencies=[CsrfDep])
def upload_photo(
    request: Request,
    portal: PortalDep,
    context: ContextDep,
    token: str,
    photo: Annotated[UploadFile, File()],
    religious_headgear: Annotated[bool, Form()] = False,
) -> Response:
    return _store_upload(
        request, portal, context, token, UploadKind.PHOTO, photo, religious_headgear
    )


@router.post("/s/{token}/id-document", dependencies=[CsrfDep])
def upload_id_document(
    request: Request,
    portal: PortalDep,
    context: ContextDep,
    token: str,
    document: Annotated[UploadFile, File()],
) -> Response:
    return _store_upload(request, portal, context, token, UploadKind.ID_DOCUMENT, document, False)


def _link_upload(
    portal: Portal, session: Session, token: str, upload_id: str, now: dt.datetime
) -> Upload:
    link = live_link(portal, session, token, now)
    upload = session.get(Upload, upload_id) if len(upload_id) == 32 else None
    if upload is None or upload.order_id != link.order_id:
        raise HTTPException(status_code=404)
    return upload


@router.get("/s/{token}/uploads/{upload_id}/status")
def upload_status(
    request: Request,
    portal: PortalDep,
    session: SessionDep,
    now: NowDep,
    token: str,
    upload_id: str,
) -> Response:
    upload = _link_upload(portal, session, token, upload_id, now)
    return page(
        request,
        portal,
        "_upload_status.html",
        upload=upload,
        token=token,
        late_before=_late_before(portal, now),
    )


@router.get("/s/{token}/uploads/{upload_id}/{variant}.jpg")
def upload_image(
    portal: PortalDep, session: SessionDep, now: NowDep, token: str, upload_id: str, variant: str
) -> Response:
    upload = _link_upload(portal, session, token, upload_id, now)
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
