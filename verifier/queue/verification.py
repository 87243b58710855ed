"""What one message does: load the upload, run its check, store the verdict, call the hooks.

Plain functions over an UploadStore, free of dramatiq, so the fault handling is testable on its
own. The rule: a bad image is a verdict (`fail`, unreadable), a fault of ours that cannot be
retried is a verdict (`review` with the reason), and only StorageUnavailable propagates (the
actor retries it with back-off).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from dramatiq.middleware import TimeLimitExceeded

from verifier.policy import Policy, default_policy
from verifier.queue.hooks import verdict_hooks
from verifier.queue.storage import (
    StorageUnavailable,
    StoredUpload,
    UploadKind,
    UploadNotFound,
    UploadStore,
    VerdictRecord,
)
from verifier.verdict import RuleResult, Status

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueFault:
    """Why the queue, not the check, decided: a code and what to tell the person reviewing."""

    code: str
    message_nb: str
    message_en: str


TIME_LIMIT = QueueFault(
    "time_limit",
    "Kontrollen tok for lang tid. En saksbehandler vurderer opplastingen.",
    "The check took too long. A person will review the upload.",
)
CHECK_ERROR = QueueFault(
    "check_error",
    "Kontrollen feilet uventet. En saksbehandler vurderer opplastingen.",
    "The check failed unexpectedly. A person will review the upload.",
)
RETRIES_EXHAUSTED = QueueFault(
    "retries_exhausted",
    "Kontrollen kunne ikke fullføres etter flere forsøk. En saksbehandler vurderer opplastingen.",
    "The check could not finish after several attempts. A person will review the upload.",
)
WORKER_DIED = QueueFault(
    "worker_died",
    "Kontrollen stoppet gjentatte ganger. En saksbehandler vurderer opplastingen.",
    "The check stopped repeatedly. A person will review the upload.",
)
FILE_MISSING = QueueFault(
    "file_missing",
    "Den lagrede filen mangler. En saksbehandler vurderer opplastingen.",
    "The stored file is missing. A person will review the upload.",
)


def review_record(
    upload_id: str, kind: UploadKind, policy_version: str, fault: QueueFault, detail: str = ""
) -> VerdictRecord:
    """A `review` verdict the queue gives when the check itself could not decide."""
    result = RuleResult(
        rule="queue",
        status=Status.REVIEW,
        value=fault.code,
        threshold="",
        message_nb=fault.message_nb,
        message_en=fault.message_en,
        details={"detail": detail[:500]} if detail else {},
    )
    # Shaped like the check's own verdict, so PhotoVerdict.from_dict / IdVerdict.from_dict read it.
    verdict: dict[str, Any] = {
        "kind": str(kind),
        "status": str(Status.REVIEW),
        "policy_version": policy_version,
        "queue_fault": fault.code,
        "results": [result.to_dict()],
    }
    return VerdictRecord(
        upload_id=upload_id,
        kind=kind,
        policy_version=policy_version,
        status=Status.REVIEW,
        verdict=verdict,
        queue_fault=fault.code,
    )


def _read_limit(policy: Policy) -> int:
    # One byte over the limit is enough for the decoder to refuse the file as too large.
    return policy.decode.max_bytes + 1


def _check_photo(upload: StoredUpload, policy: Policy) -> VerdictRecord:
    from verifier.photo.check import check_photo

    data = upload.read(_read_limit(policy))
    verdict = check_photo(
        data, policy=policy, religious_headgear_declared=upload.religious_headgear_declared
    )
    return VerdictRecord(
        upload_id=upload.upload_id,
        kind=UploadKind.PHOTO,
        policy_version=verdict.policy_version,
        status=verdict.status,
        verdict=verdict.to_dict(),
        card_crop_jpeg=verdict.card_crop_jpeg(),
    )


def _portrait_bytes(store: UploadStore, upload: StoredUpload, policy: Policy) -> bytes | None:
    if upload.portrait_upload_id is None:
        return None
    try:
        return store.load_upload(upload.portrait_upload_id).read(_read_limit(policy))
    except (UploadNotFound, FileNotFoundError):
        return None


def _check_id_document(store: UploadStore, upload: StoredUpload, policy: Policy) -> VerdictRecord:
    # Imported here: the identity-document check is optional for a photo-only worker.
    from verifier.id_docs.check import check_id_document
    from verifier.id_docs.match.holder import Employee

    employee = upload.employee
    if isinstance(employee, dict):
        employee = Employee.from_dict(employee)
    data = upload.read(_read_limit(policy))
    portrait = _portrait_bytes(store, upload, policy)
    verdict = check_id_document(data, employee=employee, portrait=portrait, policy=policy)
    return VerdictRecord(
        upload_id=upload.upload_id,
        kind=UploadKind.ID_DOCUMENT,
        policy_version=verdict.policy_version,
        status=verdict.status,
        verdict=verdict.to_dict(),
    )


def run_check(store: UploadStore, upload: StoredUpload, policy: Policy) -> VerdictRecord:
    """The check's verdict; a queue `review` verdict for anything but a transient storage fault."""
    try:
        if upload.kind is UploadKind.PHOTO:
            return _check_photo(upload, policy)
        return _check_id_document(store, upload, policy)
    except StorageUnavailable:
        raise
    except TimeLimitExceeded:
        log.warning("upload %s: time limit exceeded", upload.upload_id)
        return review_record(upload.upload_id, upload.kind, policy.version, TIME_LIMIT)
    except FileNotFoundError as exc:
        log.error("upload %s: stored file missing: %s", upload.upload_id, exc)
        return review_record(upload.upload_id, upload.kind, policy.version, FILE_MISSING, str(exc))
    except Exception as exc:
        # The checks never raise for bad input, so this is a bug; a person must still see it.
        log.exception("upload %s: check raised", upload.upload_id)
        detail = f"{type(exc).__name__}: {exc}"
        return review_record(upload.upload_id, upload.kind, policy.version, CHECK_ERROR, detail)


def store_and_notify(store: UploadStore, record: VerdictRecord) -> VerdictRecord:
    """Stores the verdict (first one wins) and calls the hooks with the one that is stored."""
    if not store.store_verdict(record):
        earlier = store.stored_verdict(record.upload_id, record.policy_version)
        if earlier is not None:
            record = earlier
    notify(record)
    return record


def notify(record: VerdictRecord) -> None:
    for hook in verdict_hooks():
        try:
            hook(record)
        except StorageUnavailable:
            raise
        except Exception:
            # The verdict is stored; a broken hook must not turn it into a retry loop.
            log.exception("verdict hook %r failed for upload %s", hook, record.upload_id)


def verify_upload(
    store: UploadStore,
    upload_id: str,
    *,
    delivery_key: str,
    max_worker_deaths: int,
    policy: Policy | None = None,
) -> VerdictRecord | None:
    """Runs one message: None when the upload no longer exists, else the stored verdict."""
    policy = policy or default_policy()
    try:
        upload = store.load_upload(upload_id)
    except UploadNotFound:
        log.warning("upload %s not found: nothing to verify", upload_id)
        return None
    existing = store.stored_verdict(upload_id, policy.version)
    if existing is not None:
        notify(existing)
        return existing
    deaths = store.note_check_started(upload_id, delivery_key)
    if deaths >= max_worker_deaths:
        log.error("upload %s: worker died %d times while checking it", upload_id, deaths)
        record = review_record(
            upload_id, upload.kind, policy.version, WORKER_DIED, f"{deaths} worker deaths"
        )
    else:
        log.info("upload %s: checking %s (delivery %s)", upload_id, upload.kind, delivery_key)
        record = run_check(store, upload, policy)
    return store_and_notify(store, record)


def record_unfinished(
    store: UploadStore,
    upload_id: str,
    kind: UploadKind,
    reason: str,
    *,
    policy: Policy | None = None,
) -> VerdictRecord | None:
    """After retries ran out (or an error escaped the check): a `review` verdict with the reason.

    Keeps a verdict that made it into the store after all; raises StorageUnavailable while the
    store is still down (the caller retries this too).
    """
    policy = policy or default_policy()
    try:
        upload = store.load_upload(upload_id)
    except UploadNotFound:
        return None
    record = review_record(upload_id, upload.kind, policy.version, RETRIES_EXHAUSTED, reason)
    return store_and_notify(store, record)
