"""The portal's side of the verification queue.

`PortalUploadStore` implements `verifier.queue.storage.UploadStore` over the portal's database
and file store; `apply_verdict` is the verdict hook that moves the order on. The checks
themselves run in `verifier` (on the embedded broker's threads, or on Redis workers that load
this store through HMSVERIFY_QUEUE_STORE_FACTORY=portal.queue_store:make_store).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from portal.allocator import release_free_memory
from portal.contexts import lifecycle_context
from portal.lifecycle import record_check
from portal.models import CheckDelivery, Employee, Upload, UploadState, UploadVerdict
from portal.state import Portal, build_portal
from verifier import Employee as IdEmployee
from verifier import Status
from verifier.queue import (
    StorageUnavailable,
    StoredUpload,
    UploadKind,
    UploadNotFound,
    UploadRef,
    VerdictRecord,
)

log = logging.getLogger(__name__)

_STATE_BY_STATUS = {
    Status.PASS: UploadState.PASS,
    Status.REVIEW: UploadState.REVIEW,
    Status.FAIL: UploadState.FAIL,
}


def employee_for_check(employee: Employee) -> IdEmployee:
    """The employee as `verifier.id_docs` cross-checks it (name, national id, birth date)."""
    return IdEmployee(
        national_id=employee.national_id,
        surname=employee.surname,
        given_names=employee.given_names,
    )


class PortalUploadStore:
    """UploadStore over the portal database + FileStore; safe across threads and processes."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with self.portal.sessions() as session:
                yield session
        except (OperationalError, InterfaceError) as exc:
            # Connection refused, lock timeout, server restarting: the queue retries these.
            # Everything else (integrity, programming errors) is not transient and propagates.
            raise StorageUnavailable(str(exc).splitlines()[0]) from exc
        except OSError as exc:
            # The file store's mount is gone (not a missing file: that is FileNotFoundError).
            if isinstance(exc, FileNotFoundError):
                raise
            raise StorageUnavailable(str(exc)) from exc

    def load_upload(self, upload_id: str) -> StoredUpload:
        with self._session() as session:
            upload = session.get(Upload, upload_id)
            if upload is None:
                raise UploadNotFound(upload_id)
            order = upload.order
            kind = UploadKind(upload.kind)
            return StoredUpload(
                upload_id=upload.id,
                kind=kind,
                content=self.portal.files.path(upload.stored_name),
                interactive=True,
                religious_headgear_declared=upload.religious_headgear,
                employee=employee_for_check(order.employee)
                if kind is UploadKind.ID_DOCUMENT
                else None,
                portrait_upload_id=order.photo_upload_id
                if kind is UploadKind.ID_DOCUMENT
                else None,
            )

    def _record(self, row: UploadVerdict, kind: str) -> VerdictRecord:
        crop = self.portal.files.read(row.crop_name) if row.crop_name else None
        return VerdictRecord(
            upload_id=row.upload_id,
            kind=UploadKind(kind),
            policy_version=row.policy_version,
            status=Status(row.status),
            verdict=dict(row.verdict),
            card_crop_jpeg=crop,
            queue_fault=row.queue_fault,
        )

    def stored_verdict(self, upload_id: str, policy_version: str) -> VerdictRecord | None:
        with self._session() as session:
            row = session.get(UploadVerdict, (upload_id, policy_version))
            if row is None:
                return None
            upload = session.get(Upload, upload_id)
            return self._record(row, upload.kind if upload else UploadKind.PHOTO)

    def has_verdict(self, upload_id: str, policy_version: str) -> bool:
        with self._session() as session:
            return session.get(UploadVerdict, (upload_id, policy_version)) is not None

    def store_verdict(self, record: VerdictRecord) -> bool:
        crop_name = self.portal.files.save(record.card_crop_jpeg) if record.card_crop_jpeg else None
        try:
            with self._session() as session:
                if (
                    session.get(UploadVerdict, (record.upload_id, record.policy_version))
                    is not None
                ):
                    stored = False
                else:
                    session.add(
                        UploadVerdict(
                            upload_id=record.upload_id,
                            policy_version=record.policy_version,
                            status=str(record.status),
                            verdict=record.verdict,
                            queue_fault=record.queue_fault,
                            crop_name=crop_name,
                            stored_at=self.portal.clock(),
                        )
                    )
                    session.commit()
                    stored = True
        except IntegrityError:
            stored = False  # another worker stored it between our read and our insert
        if not stored and crop_name:
            self.portal.files.delete(crop_name)
        return stored

    def note_check_started(self, upload_id: str, delivery_key: str) -> int:
        key = delivery_key[:100]
        for _ in range(3):
            try:
                with self._session() as session:
                    row = session.get(CheckDelivery, (upload_id, key), with_for_update=True)
                    if row is None:
                        session.add(CheckDelivery(upload_id=upload_id, delivery_key=key, starts=1))
                        session.commit()
                        return 0
                    before = row.starts
                    row.starts += 1
                    session.commit()
                    return before
            except IntegrityError:
                continue  # a concurrent first start; read it again
        raise StorageUnavailable("could not record the check start")

    def uploads_without_verdict(self) -> list[UploadRef]:
        with self._session() as session:
            rows = session.execute(
                select(Upload.id, Upload.kind)
                .where(~exists().where(UploadVerdict.upload_id == Upload.id))
                .order_by(Upload.created_at)
            ).all()
            return [UploadRef(upload_id, UploadKind(kind), True) for upload_id, kind in rows]

    def uploads_needing_recheck(self, policy_version: str) -> list[UploadRef]:
        with self._session() as session:
            has_any = exists().where(UploadVerdict.upload_id == Upload.id)
            has_current = exists().where(
                UploadVerdict.upload_id == Upload.id, UploadVerdict.policy_version == policy_version
            )
            rows = session.execute(
                select(Upload.id, Upload.kind)
                .where(has_any, ~has_current)
                .order_by(Upload.created_at)
            ).all()
            return [UploadRef(upload_id, UploadKind(kind), False) for upload_id, kind in rows]


def make_verdict_hook(portal: Portal) -> Callable[[VerdictRecord], None]:
    def apply_verdict(record: VerdictRecord) -> None:
        """Moves the upload's order on; idempotent (a repeated call finds the upload decided)."""
        with portal.sessions() as session:
            upload = session.get(Upload, record.upload_id)
            if upload is None or upload.state != UploadState.QUEUED:
                return
        try:
            with portal.sessions() as session:
                upload = session.get(Upload, record.upload_id, with_for_update=True)
                if upload is None or upload.state != UploadState.QUEUED:
                    return
                row = session.get(UploadVerdict, (record.upload_id, record.policy_version))
                upload.crop_name = row.crop_name if row is not None else None
                state = (
                    UploadState.ERROR
                    if record.queue_fault and record.status is Status.REVIEW
                    else _STATE_BY_STATUS[record.status]
                )
                ctx = lifecycle_context(portal, session, "verifier")
                record_check(ctx, upload, state, record.verdict)
                session.commit()
        except OperationalError as exc:
            raise StorageUnavailable(str(exc).splitlines()[0]) from exc
        finally:
            # The check's image buffers are free now; give their pages back (see allocator.py).
            release_free_memory()

    return apply_verdict


def store_from_env() -> PortalUploadStore:
    """The store for Redis worker processes (HMSVERIFY_QUEUE_STORE_FACTORY names this)."""
    from portal.settings import settings_from_env

    portal = build_portal(settings_from_env(), migrate=False)
    from verifier.queue import register_verdict_hook

    register_verdict_hook(make_verdict_hook(portal))
    return PortalUploadStore(portal)


def install(portal: Portal) -> None:
    """Registers the verdict hook and opens the queue (embedded threads unless REDIS_URL)."""
    from verifier.queue import open_queue, register_verdict_hook

    portal.queue_users += 1
    if portal.queue is not None:  # a second app on the same portal shares its queue
        return
    hook = make_verdict_hook(portal)
    portal.verdict_hook = hook
    register_verdict_hook(hook)
    portal.queue = open_queue(PortalUploadStore(portal), portal.queue_settings)


def uninstall(portal: Portal) -> None:
    from verifier.queue import unregister_verdict_hook

    portal.queue_users -= 1
    if portal.queue_users > 0:
        return
    if portal.queue is not None:
        portal.queue.close()
        portal.queue = None
    if portal.verdict_hook is not None:
        unregister_verdict_hook(portal.verdict_hook)
        portal.verdict_hook = None


def enqueue(portal: Portal, upload_id: str, kind: UploadKind | str, *, interactive: bool) -> bool:
    """Queues the check of a committed upload; False when it could not be queued now.

    Nothing is lost either way: the upload is stored without a verdict, and the sweep (the
    embedded queue's at start-up, the Redis workers' at start-up, after a broker restart and
    every few minutes) queues every such upload. So a broker outage delays the check, it does
    not fail the upload."""
    if portal.queue is None:
        log.warning("no verification queue running; upload %s waits for the sweep", upload_id)
        return False
    try:
        portal.queue.queue.enqueue(UploadRef(upload_id, UploadKind(kind), interactive))
    except Exception as exc:  # broker down or unreachable: dramatiq/redis raise several types
        log.warning(
            "could not queue upload %s (%s: %s); it waits for the sweep",
            upload_id,
            type(exc).__name__,
            str(exc).splitlines()[0] if str(exc) else "",
        )
        return False
    return True
