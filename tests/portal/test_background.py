"""The periodic jobs of the portal process: the life-cycle sweep and the re-application of
verdicts whose hook did not finish (the process died between storing and applying)."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select

from portal.background import reapply_stored_verdicts, run_sweep
from portal.clock import utcnow
from portal.lifecycle import Context, attach_upload, place_order
from portal.models import (
    Employee,
    Order,
    OrderStatus,
    Upload,
    UploadState,
    UploadVerdict,
    User,
)
from portal.registry import DemoRegistry
from portal.state import Portal
from portal.verification import make_verdict_hook
from tests.portal.support import World, seed_world
from verifier.queue.storage import UploadKind


def pending_order(portal: Portal, world: World, created: dt.datetime) -> int:
    with portal.sessions() as session:
        ctx = Context(
            session, portal.settings, portal.files, DemoRegistry(session), created, "test"
        )
        employee = session.get(Employee, world.employees_a[0])
        orderer = session.scalars(select(User).where(User.email == world.orderer_a)).one()
        assert employee is not None
        order = place_order(ctx, employee, orderer)
        session.commit()
        return order.id


def test_sweep_job_cancels_stale_orders(portal: Portal) -> None:
    world = seed_world(portal)
    order_id = pending_order(portal, world, utcnow() - dt.timedelta(days=21))
    assert run_sweep(portal).cancelled == 1
    assert run_sweep(portal).cancelled == 0
    with portal.sessions() as session:
        order = session.get(Order, order_id)
        assert order is not None and order.status == OrderStatus.CANCELLED


def test_stored_verdict_without_applied_hook_is_applied_by_the_sweep(portal: Portal) -> None:
    world = seed_world(portal)
    order_id = pending_order(portal, world, utcnow())
    upload_id = secrets.token_hex(16)
    with portal.sessions() as session:
        order = session.get(Order, order_id)
        assert order is not None
        ctx = Context(
            session, portal.settings, portal.files, DemoRegistry(session), utcnow(), "test"
        )
        upload = Upload(
            id=upload_id,
            order_id=order_id,
            kind=UploadKind.PHOTO,
            stored_name=portal.files.save(b"x"),
            source_format="jpeg",
            size_bytes=1,
            state=UploadState.QUEUED,
            created_at=utcnow(),
        )
        session.add(upload)
        session.flush()
        attach_upload(ctx, order, upload)
        # The queue stored this verdict, then the process died before the hook ran.
        session.add(
            UploadVerdict(
                upload_id=upload_id,
                policy_version="v-test",
                status="fail",
                verdict={"status": "fail", "results": []},
                stored_at=utcnow(),
            )
        )
        session.commit()
    assert reapply_stored_verdicts(portal) == 0  # no hook installed: nothing to apply with
    portal.verdict_hook = make_verdict_hook(portal)
    assert reapply_stored_verdicts(portal) == 1
    assert reapply_stored_verdicts(portal) == 0
    with portal.sessions() as session:
        applied = session.get(Upload, upload_id)
        assert applied is not None and applied.state == UploadState.FAIL
