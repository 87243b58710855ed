"""The portal's UploadStore against the queue's contract, driven by the queue's own message
logic (verify_upload) with the real verifier, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import secrets

from skimage import data as skdata

from portal.clock import utcnow
from portal.lifecycle import Context, attach_upload, place_order
from portal.models import Employee, Upload, UploadState, User
from portal.registry import DemoRegistry
from portal.state import Portal
from portal.verification import PortalUploadStore
from tests.portal.support import World, jpeg
from verifier.queue.storage import UploadKind, UploadNotFound, UploadStore, VerdictRecord
from verifier.queue.verification import verify_upload
from verifier.verdict import Status


def stored_photo(portal: Portal, world: World, data: bytes) -> str:
    from sqlalchemy import select

    with portal.sessions() as session:
        ctx = Context(
            session, portal.settings, portal.files, DemoRegistry(session), utcnow(), "test"
        )
        employee = session.get(Employee, world.employees_a[0])
        orderer = session.scalars(select(User).where(User.email == world.orderer_a)).one()
        assert employee is not None
        order = place_order(ctx, employee, orderer)
        upload = Upload(
            id=secrets.token_hex(16),
            order_id=order.id,
            kind=UploadKind.PHOTO,
            stored_name=portal.files.save(data),
            source_format="jpeg",
            size_bytes=len(data),
            state=UploadState.QUEUED,
            created_at=utcnow() - dt.timedelta(minutes=5),
        )
        session.add(upload)
        session.flush()
        attach_upload(ctx, order, upload)
        session.commit()
        return upload.id


def test_store_follows_the_queue_contract(portal: Portal, world: World) -> None:
    store = PortalUploadStore(portal)
    assert isinstance(store, UploadStore)
    upload_id = stored_photo(portal, world, jpeg(skdata.astronaut()))
    assert [r.upload_id for r in store.uploads_without_verdict()] == [upload_id]
    loaded = store.load_upload(upload_id)
    assert loaded.kind == "photo" and loaded.read(10**9)[:3] == b"\xff\xd8\xff"
    try:
        store.load_upload("0" * 32)
    except UploadNotFound:
        pass
    else:
        raise AssertionError("unknown upload must raise UploadNotFound")

    first = verify_upload(store, upload_id, delivery_key="m1:0", max_worker_deaths=2)
    second = verify_upload(store, upload_id, delivery_key="m2:0", max_worker_deaths=2)
    assert first is not None and second is not None
    assert first.status is Status.FAIL and second.verdict == first.verdict
    assert store.uploads_without_verdict() == []
    assert store.uploads_needing_recheck(first.policy_version) == []
    assert [r.upload_id for r in store.uploads_needing_recheck("some-newer-version")] == [upload_id]
    # First verdict wins.
    other = VerdictRecord(
        upload_id, first.kind, first.policy_version, Status.PASS, {"status": "pass"}
    )
    assert store.store_verdict(other) is False
    stored = store.stored_verdict(upload_id, first.policy_version)
    assert stored is not None and stored.status is Status.FAIL
    # Delivery starts are counted per delivery key (a crash loop shows up).
    assert store.note_check_started(upload_id, "m3:0") == 0
    assert store.note_check_started(upload_id, "m3:0") == 1


def test_rule_results_read_both_verdict_kinds_and_older_id_rows() -> None:
    """The portal shows per-rule results from the one `results` key; ID-document rows stored by
    hmsverify 0.1 list them under `checks` and still show."""
    row = {"rule": "mrz_present", "status": "review", "message_nb": "x", "message_en": "x"}
    for verdict in (
        {"kind": "photo", "status": "review", "results": [row]},
        {"kind": "id_document", "status": "review", "results": [row]},
        {"kind": "id_document", "status": "review", "checks": [row]},
    ):
        assert Upload(verdict=verdict).rule_results == [row]
    assert Upload(verdict=None).rule_results == []
