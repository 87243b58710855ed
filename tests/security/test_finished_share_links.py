"""Issue 14.8: once its order is finished (and a short grace for the last verdict is over), a
share link shows only "this order is finished": no name, no company, no images."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from skimage import data as skdata

from portal.app import create_app
from portal.clock import utcnow
from portal.models import Order, OrderStatus
from portal.state import Portal
from tests.portal.support import World, csrf_of, jpeg, login, place_order, share_link, upload


def test_a_cancelled_orders_link_shows_no_personal_data(
    client: TestClient, portal: Portal, world: World
) -> None:
    csrf = login(client, world.orderer_a)
    order_id = place_order(client, csrf, world.employees_a[0])
    link = share_link(client, csrf, order_id)
    status, fragment = upload(client, link, "photo", jpeg(skdata.astronaut()))
    assert status == 200
    upload_id = fragment.split('id="upload-', 1)[1].split('"', 1)[0]
    employee = TestClient(create_app(portal), base_url="http://testserver", follow_redirects=False)
    assert "Person0 Testesen" in employee.get(link).text
    assert client.post(f"/orders/{order_id}/cancel", data={"csrf_token": csrf}).status_code == 303
    with portal.sessions() as session:
        order = session.get(Order, order_id)
        assert order is not None and order.status == OrderStatus.CANCELLED
        finished_at = order.updated_at

    # Within the grace the employee still sees the last state of their page.
    portal.clock = lambda: finished_at + dt.timedelta(minutes=5)
    assert employee.get(link).status_code == 200

    portal.clock = lambda: finished_at + dt.timedelta(minutes=31)
    closed = employee.get(link)
    assert closed.status_code == 410
    assert "avsluttet" in closed.text
    for personal in ("Person0", "Testesen", "Alfa Bygg", upload_id, "/uploads/"):
        assert personal not in closed.text
    for path in (
        f"{link}/uploads/{upload_id}/status",
        f"{link}/uploads/{upload_id}/crop.jpg",
        f"{link}/uploads/{upload_id}/annotated.jpg",
    ):
        response = employee.get(path)
        assert response.status_code == 410 and "Person0" not in response.text, path
    # Uploads to it are refused the same way.
    refused = employee.post(
        f"{link}/photo",
        data={"csrf_token": csrf_of(employee, "/login")},
        files={"photo": ("a.jpg", jpeg(skdata.astronaut()), "image/jpeg")},
        headers={"X-Requested-With": "fetch"},
    )
    assert refused.status_code == 410 and "Person0" not in refused.text
    portal.clock = utcnow
