"""The annotated photo (landmarks and the failed or borderline rules' regions), drawn on first
request and kept: drawing re-analyses the image, so it stays off the path to the verdict."""

from __future__ import annotations

import logging
import threading

from portal.models import Upload
from portal.state import Portal, can_annotate

log = logging.getLogger(__name__)
_LOCK = threading.Lock()  # one drawing at a time: they are CPU-bound and rarely concurrent


def annotated_image(portal: Portal, upload_id: str) -> bytes | None:
    """The annotated JPEG of a photo upload, drawn and stored the first time it is asked for."""
    from verifier import PhotoVerdict, annotated_jpeg

    with _LOCK:
        with portal.sessions() as session:
            upload = session.get(Upload, upload_id)
            if upload is None or not can_annotate(upload):
                return None
            if upload.annotated_name:
                return portal.files.read(upload.annotated_name)
            stored, verdict = upload.stored_name, dict(upload.verdict or {})
        try:
            data = annotated_jpeg(portal.files.read(stored), PhotoVerdict.from_dict(verdict))
        except Exception:  # drawing is a courtesy; the verdict stands without it
            log.exception("annotating upload %s failed", upload_id)
            return None
        if not data:
            return None
        name = portal.files.save(data)
        with portal.sessions() as session:
            upload = session.get(Upload, upload_id)
            if upload is not None:
                upload.annotated_name = name
                session.commit()
        return data
