"""Periodic work in the portal process: the life-cycle sweep and the e-mail outbox.

Both are safe to run in several processes at once (the sweep's transitions only move objects
still in their source state; the outbox locks its rows), so a deployment may also run them from
cron with `hmsverify sweep`.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import select

from portal.contexts import lifecycle_context
from portal.lifecycle import SweepReport, sweep
from portal.mail import deliver_outbox
from portal.models import Upload, UploadState, UploadVerdict
from portal.oauth import purge_expired_tokens
from portal.state import Portal
from portal.web_sessions import delete_expired_sessions

log = logging.getLogger(__name__)


def run_sweep(portal: Portal) -> SweepReport:
    with portal.sessions() as session:
        ctx = lifecycle_context(portal, session, "sweep")
        report = sweep(ctx)
        purge_expired_tokens(session, ctx.now)
        delete_expired_sessions(session, ctx.now)
        session.commit()
    if report.cancelled or report.expired or report.reminded:
        log.info("sweep: %s", report)
    reapply_stored_verdicts(portal)
    return report


def reapply_stored_verdicts(portal: Portal) -> int:
    """Uploads whose verdict was stored but whose hook never finished (process died between)."""
    if portal.verdict_hook is None:
        return 0
    from verifier import Status
    from verifier.queue import UploadKind, VerdictRecord

    with portal.sessions() as session:
        rows = session.execute(
            select(UploadVerdict, Upload.kind)
            .join(Upload, Upload.id == UploadVerdict.upload_id)
            .where(Upload.state == UploadState.QUEUED)
        ).all()
    for row, kind in rows:
        portal.verdict_hook(
            VerdictRecord(
                upload_id=row.upload_id,
                kind=UploadKind(kind),
                policy_version=row.policy_version,
                status=Status(row.status),
                verdict=dict(row.verdict),
                queue_fault=row.queue_fault,
            )
        )
    return len(rows)


def _loop(portal: Portal, interval_s: float, job: str) -> None:
    while not portal.stop.wait(interval_s):
        try:
            if job == "sweep":
                run_sweep(portal)
            else:
                deliver_outbox(
                    portal.sessions,
                    portal.settings.smtp,
                    portal.files,
                    max_attempts=portal.settings.outbox_max_attempts,
                )
        except Exception:  # a bad round must not end the loop; the next one retries
            log.exception("background %s failed", job)


def start(portal: Portal) -> list[threading.Thread]:
    threads = [
        threading.Thread(
            target=_loop,
            args=(portal, portal.settings.sweep_interval_s, "sweep"),
            name="portal-sweep",
            daemon=True,
        ),
        threading.Thread(
            target=_loop,
            args=(portal, portal.settings.outbox_interval_s, "outbox"),
            name="portal-outbox",
            daemon=True,
        ),
    ]
    for thread in threads:
        thread.start()
    return threads
