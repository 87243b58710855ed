"""Level 2 end to end through real HTTP: add an employee, order (idempotently), upload the
portrait and the ID document into the real queue and verifier, read the verdicts, a reviewer
decides in the portal, the card is issued, looked up, blocked; cancelling; refused uploads."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import httpx
from skimage import data as skdata
from sqlalchemy import func, select

from portal.demo import national_ids
from portal.models import AuditEvent, IdempotencyKey, Order
from tests.api.support import ALL_SCOPES, Served
from tests.portal import support as portal_support
from tests.portal.support import jpeg, login


def _wait_for_state(
    served: Served, headers: dict[str, str], order_id: int, what: str
) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        order = served.http.get(f"/api/v1/orders/{order_id}", headers=headers).json()
        upload = order[what]
        if upload is not None and upload["state"] != "queued":
            return dict(order)
        time.sleep(0.25)
    raise AssertionError(f"no verdict for {what}")


def test_a_card_ordered_end_to_end_through_the_api(served: Served) -> None:
    headers = served.bearer(served.new_client(ALL_SCOPES))
    # A new employee: validated by the same service as the portal's form.
    bad = served.http.post(
        "/api/v1/employees",
        json={"national_id": "12345678901", "given_names": "Ola", "surname": "Nordmann"},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.json()["detail_nb"]
    nid = national_ids(40, seed=99)[-1]
    served.register_person(nid, "a")
    served.register_person(nid, "b")
    added = served.http.post(
        "/api/v1/employees",
        json={"national_id": nid, "given_names": "Ola  Jon", "surname": "Nordmann"},
        headers=headers,
    )
    assert added.status_code == 201, added.text
    assert added.json()["given_names"] == "Ola Jon"
    assert nid not in added.text and added.json()["national_id_masked"] == f"{nid[:6]} *****"
    again = served.http.post(
        "/api/v1/employees",
        json={"national_id": nid, "given_names": "Ola", "surname": "Nordmann"},
        headers=headers,
    )
    assert again.status_code == 409
    assert again.json()["employee_id"] == added.json()["id"]
    # Company B adding the same person is its own employee (no leak of A's record).
    other = served.bearer(served.new_client(["employees:write"], which="b"))
    theirs = served.http.post(
        "/api/v1/employees",
        json={"national_id": nid, "given_names": "Ola", "surname": "Nordmann"},
        headers=other,
    )
    assert theirs.status_code == 201 and theirs.json()["id"] != added.json()["id"]

    # The order itself goes to an employee the demo registry knows (its checks must pass).
    employee_id = served.world.employees_a[2]
    order = served.http.post(
        "/api/v1/orders",
        json={"employee_id": employee_id},
        headers={**headers, "Idempotency-Key": "hr-4711"},
    )
    assert order.status_code == 201, order.text
    order_id = order.json()["id"]
    assert order.headers["location"] == f"/api/v1/orders/{order_id}"
    second = served.http.post("/api/v1/orders", json={"employee_id": employee_id}, headers=headers)
    assert second.status_code == 409
    assert second.json()["type"] == "urn:hmsverify:api:problem:order-not-allowed"

    photo = served.http.post(
        f"/api/v1/orders/{order_id}/photo",
        files={
            "file": ("me.jpg", portal_support.test_image("compliant_portrait.jpg"), "image/jpeg")
        },
        headers=headers,
    )
    assert photo.status_code == 202, photo.text
    assert photo.json()["state"] == "queued"
    document = served.http.post(
        f"/api/v1/orders/{order_id}/id-document",
        files={"file": ("id.jpg", jpeg(skdata.coffee()), "image/jpeg")},
        headers=headers,
    )
    assert document.status_code == 202
    state = _wait_for_state(served, headers, order_id, "photo")
    assert state["photo"]["state"] == "pass", state["photo"]
    assert {r["rule"] for r in state["photo"]["rules"]} >= {"face_present", "sharpness"}
    state = _wait_for_state(served, headers, order_id, "id_document")
    assert state["id_document"]["state"] == "review"
    upload_id = state["id_document"]["id"]
    verdict = served.http.get(f"/api/v1/uploads/{upload_id}", headers=headers).json()
    assert "mrz_present" in {r["rule"] for r in verdict["rules"] if r["status"] != "pass"}
    assert state["status"] == "pending" and state["card"] is None

    # A reviewer approves the document in the portal; the order is approved with a card.
    with httpx.Client(base_url=served.url, follow_redirects=False) as reviewer:
        csrf = login(reviewer, served.world.reviewer)  # type: ignore[arg-type]
        decided = reviewer.post(
            f"/review/uploads/{upload_id}",
            data={"csrf_token": csrf, "decision": "approve", "reason": ""},
        )
        assert decided.status_code == 303, decided.text
    final = served.http.get(f"/api/v1/orders/{order_id}", headers=headers).json()
    assert final["status"] == "approved", final
    card = final["card"]
    assert card["status"] == "valid" and re.fullmatch(r"\d{10}", card["card_number"])

    lookup = served.http.get(f"/api/v1/cards/{card['card_number']}", headers=headers).json()
    assert lookup["valid"] is True
    blocked = served.http.post(f"/api/v1/cards/{card['card_number']}/block", headers=headers)
    assert blocked.status_code == 200 and blocked.json()["status"] == "blocked"
    assert (
        served.http.get(f"/api/v1/cards/{card['card_number']}", headers=headers).json()["status"]
        == "blocked"
    )
    # Blocking twice changes nothing; the audit log has one block, made by the API client.
    assert (
        served.http.post(f"/api/v1/cards/{card['card_number']}/block", headers=headers).json()[
            "status"
        ]
        == "blocked"
    )
    with served.portal.sessions() as session:
        blocks = session.scalars(
            select(AuditEvent).where(
                AuditEvent.transition == "block", AuditEvent.order_id == order_id
            )
        ).all()
        assert len(blocks) == 1 and blocks[0].actor.startswith("api:hms_")

    # Every step is in the event feed, in order.
    events = served.http.get("/api/v1/events", headers=headers).json()["events"]
    mine = [e for e in events if e["data"].get("order_id") == order_id]
    kinds = [e["type"] for e in mine]
    assert kinds[0] == "order.created"
    assert "upload.checked" in kinds and "upload.reviewed" in kinds
    assert kinds.index("card.issued") < kinds.index("card.status_changed")
    assert [e["id"] for e in mine] == sorted(e["id"] for e in mine)


def test_a_retried_order_makes_one_order(served: Served) -> None:
    headers = served.bearer(served.new_client(["orders:write", "orders:read"]))
    employee_id = served.world.employees_a[3]
    key = {"Idempotency-Key": "batch-17/line-3"}
    first = served.http.post(
        "/api/v1/orders", json={"employee_id": employee_id}, headers={**headers, **key}
    )
    retried = served.http.post(
        "/api/v1/orders", json={"employee_id": employee_id}, headers={**headers, **key}
    )
    assert first.status_code == retried.status_code == 201
    assert first.json()["id"] == retried.json()["id"]
    assert retried.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    other_body = served.http.post(
        "/api/v1/orders",
        json={"employee_id": served.world.employees_a[4]},
        headers={**headers, **key},
    )
    assert other_body.status_code == 422
    assert other_body.json()["type"] == "urn:hmsverify:api:problem:idempotency-key-reused"
    # Keys belong to a client: another client's same key is its own.
    other_client = served.bearer(served.new_client(["orders:write"]))
    theirs = served.http.post(
        "/api/v1/orders",
        json={"employee_id": served.world.employees_a[4]},
        headers={**other_client, **key},
    )
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]
    with served.portal.sessions() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Order).where(Order.employee_id == employee_id)
            )
            == 1
        )


def test_concurrent_retries_make_one_order(served: Served) -> None:
    headers = served.bearer(served.new_client(["orders:write"]))
    employee_id = served.world.employees_a[5]
    answers: list[httpx.Response] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def send() -> None:
        with httpx.Client(base_url=served.url, timeout=30) as http:
            start.wait()
            response = http.post(
                "/api/v1/orders",
                json={"employee_id": employee_id},
                headers={**headers, "Idempotency-Key": "same-key"},
            )
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    with served.portal.sessions() as session:
        orders = session.scalar(
            select(func.count()).select_from(Order).where(Order.employee_id == employee_id)
        )
        keys = session.scalar(
            select(func.count()).select_from(IdempotencyKey).where(IdempotencyKey.key == "same-key")
        )
        assert orders == 1 and keys == 1


def test_uploads_refused_like_the_share_links_and_cancel(served: Served) -> None:
    headers = served.bearer(served.new_client(ALL_SCOPES))
    order = served.http.post(
        "/api/v1/orders", json={"employee_id": served.world.employees_a[6]}, headers=headers
    ).json()
    not_image = served.http.post(
        f"/api/v1/orders/{order['id']}/photo",
        files={"file": ("cv.jpg", b"%PDF-1.4 not a photo", "image/jpeg")},
        headers=headers,
    )
    assert not_image.status_code == 422
    body = not_image.json()
    assert body["type"] == "urn:hmsverify:api:problem:upload-refused"
    assert body["detail"] and body["detail_nb"]
    limit = served.portal.settings.upload_max_bytes
    too_big = served.http.post(
        f"/api/v1/orders/{order['id']}/photo",
        files={"file": ("big.jpg", b"\xff\xd8\xff" + b"0" * (limit + 10), "image/jpeg")},
        headers=headers,
    )
    assert too_big.status_code == 413
    missing = served.http.post(f"/api/v1/orders/{order['id']}/photo", headers=headers)
    assert missing.status_code == 422
    assert missing.headers["content-type"] == "application/problem+json"
    # Nothing was attached by the refused uploads.
    assert served.http.get(f"/api/v1/orders/{order['id']}", headers=headers).json()["photo"] is None

    cancelled = served.http.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["reason"]["en"] == "Cancelled by the orderer."
    late = served.http.post(
        f"/api/v1/orders/{order['id']}/photo",
        files={
            "file": ("me.jpg", portal_support.test_image("compliant_portrait.jpg"), "image/jpeg")
        },
        headers=headers,
    )
    assert late.status_code == 409
    again = served.http.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    assert again.status_code == 200
