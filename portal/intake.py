"""Upload intake: a file sent through a share link becomes a stored, EXIF-free upload attached
to its order, and its check goes on the queue. The check itself never runs here."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import BinaryIO

from portal import verification
from portal.allocator import release_free_memory
from portal.files import clean_jpeg
from portal.lifecycle import Context, attach_upload, recheck_id_against_new_portrait
from portal.limits import too_large_message, upload_file_limit
from portal.models import Order, OrderStatus, Upload, UploadState
from portal.state import Portal
from verifier import DecodeError, UploadKind, decode_image, default_policy


class UploadRefused(Exception):
    """An upload the portal does not take; carries the HTTP status and the reason in both
    languages for the employee."""

    def __init__(self, status_code: int, message: tuple[str, str]) -> None:
        super().__init__(message[1])
        self.status_code = status_code
        self.message = message


@dataclass(frozen=True)
class Intake:
    upload: Upload
    # A new portrait sends the order's ID document to be checked again against it.
    id_rechecked: bool
    # The broker could not take the check now; the sweep queues it when the broker is back.
    delayed: bool = False


def ensure_open(order: Order) -> None:
    """Uploads go only to a pending order (checked before the file is read)."""
    if order.status != OrderStatus.PENDING:
        raise UploadRefused(
            409, ("Bestillingen er ikke lenger åpen.", "The order is no longer open.")
        )


def read_limited(stream: BinaryIO, limit: int) -> bytes:
    """At most `limit` bytes of a file; refuses (413) without reading past `limit` + 1."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(413, too_large_message(limit))
    return data


def accept_upload(
    portal: Portal,
    ctx: Context,
    order: Order,
    kind: UploadKind,
    data: bytes,
    *,
    religious_headgear: bool,
    interactive: bool = True,
) -> Intake:
    """Stores the file, attaches it to the pending order, commits, and queues its check (on the
    interactive queue when someone waits on a page, on the batch queue for the API)."""
    ensure_open(order)
    long_side = portal.settings.stored_long_side
    try:
        # Decoding here only sniffs the type and strips metadata; the checks run on the queue.
        decoded = decode_image(data, default_policy().decode, long_side=long_side)
    except DecodeError as exc:
        raise UploadRefused(422, (exc.message_nb, exc.message_en)) from exc
    stored_name = portal.files.save(clean_jpeg(decoded, long_side))
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
    ctx.session.add(upload)
    attach_upload(ctx, order, upload)
    recheck = recheck_id_against_new_portrait(ctx, order, upload)
    ctx.session.commit()
    queued = verification.enqueue(portal, upload.id, kind, interactive=interactive)
    if recheck is not None:
        verification.enqueue(portal, recheck.id, UploadKind.ID_DOCUMENT, interactive=interactive)
    # The decoded image is garbage now; with Redis workers no check runs here to trim after.
    del decoded
    release_free_memory()
    return Intake(upload=upload, id_rechecked=recheck is not None, delayed=not queued)


__all__ = [
    "Intake",
    "UploadRefused",
    "accept_upload",
    "ensure_open",
    "read_limited",
    "upload_file_limit",
]
