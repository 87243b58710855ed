"""The portal over HTTP with its real embedded verification queue: login, employees, orders,
share links with uploads checked by the real verifier, review, status lookup, and the safety
rules (authorisation on every route, CSRF, upload limits, EXIF removal, rate limits, no
national ids in URLs or logs)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import time

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from PIL import Image
from skimage import data as skdata
from sqlalchemy import select

from portal.models import (
    Card,
    Employee,
    Order,
    OrderStatus,
    RegistryRecord,
    ShareLink,
    Upload,
    UploadState,
)
from portal.registry import Register
from portal.state import Portal
from tests.portal.support import (
    PASSWORD,
    World,
    csrf_of,
    jpeg,
    login,
    place_order,
    share_link,
    upload,
    wait_for_verdict,
)

pytestmark = pytest.mark.slow


# ---------------------------------------------------------------- login and pages


def test_login_logout_and_wrong_password(client: TestClient, world: World) -> None:
    assert client.get("/employees", follow_redirects=False).headers["location"] == "/login"
    csrf = csrf_of(client)
    bad = client.post(
        "/login", data={"email": world.orderer_a, "password": "nope", "csrf_token": csrf}
    )
    assert bad.status_code == 401 and "Feil e-post eller passord" in bad.text
    csrf = login(client, world.orderer_a)
    assert "Person0 Testesen" in client.get("/employees").text
    client.post("/logout", data={"csrf_token": csrf})
    assert client.get("/employees", follow_redirects=False).status_code == 303


def test_login_is_rate_limited(portal: Portal, client: TestClient, world: World) -> None:
    from portal.settings import RateLimit

    portal.settings = portal.settings.with_overrides(login_limit=RateLimit(count=3, window_s=60))
    portal.login_limiter.limit = portal.settings.login_limit
    csrf = csrf_of(client)
    codes = [
        client.post(
            "/login", data={"email": world.orderer_a, "password": "x", "csrf_token": csrf}
        ).status_code
        for _ in range(portal.settings.login_limit.count + 1)
    ]
    assert codes[-1] == 429 and set(codes[:-1]) == {401}


def test_forms_need_the_csrf_token(client: TestClient, world: World) -> None:
    login(client, world.orderer_a)
    response = client.post(
        "/employees",
        data={"national_id": world.national_ids_a[0], "given_names": "X", "surname": "Y"},
    )
    assert response.status_code == 403
    response = client.post(
        "/employees",
        data={
            "national_id": world.national_ids_a[0],
            "given_names": "X",
            "surname": "Y",
            "csrf_token": "wrong",
        },
    )
    assert response.status_code == 403


def test_add_employee_validates_masks_and_keeps_the_number_out_of_logs_and_urls(
    client: TestClient, world: World, portal: Portal, caplog: pytest.LogCaptureFixture
) -> None:
    from portal.demo import spare_national_ids

    csrf = login(client, world.orderer_a)
    caplog.set_level(logging.DEBUG)
    bad = client.post(
        "/employees",
        data={
            "national_id": "12345678901",
            "given_names": "Ola",
            "surname": "Nordmann",
            "csrf_token": csrf,
        },
    )
    assert bad.status_code == 422 and "kontrollsiffer" in bad.text
    number = spare_national_ids()[0]
    # A valid number no register knows: refused at once, with what to do.
    unknown = client.post(
        "/employees",
        data={
            "national_id": number,
            "given_names": "Ola",
            "surname": "Nordmann",
            "csrf_token": csrf,
        },
    )
    assert unknown.status_code == 422 and "Folkeregisteret" in unknown.text
    assert "D-nummer" in unknown.text
    with portal.sessions() as session:
        session.add(RegistryRecord(register=str(Register.NATIONAL), key=number))
        session.commit()
    good = client.post(
        "/employees",
        data={
            "national_id": number,
            "given_names": "Ola",
            "surname": "Nordmann",
            "csrf_token": csrf,
        },
    )
    assert good.status_code == 303
    location = good.headers["location"]
    assert number not in location
    page = client.get(location).text
    assert "Ola Nordmann" in page and number not in page and f"{number[:6]} *****" in page
    # Added, but not employed here in the Aa-register: the orderer sees it before ordering.
    assert 'class="flash flash-warn"' in page and 'data-register="aa_register"' in page
    listing = client.get("/employees?q=nordmann").text
    assert "Ola Nordmann" in listing and number not in listing
    # Searching by the number is not offered (it would put it in a URL) and finds nothing.
    assert "Ola Nordmann" not in client.get(f"/employees?q={number}").text
    duplicate = client.post(
        "/employees",
        data={
            "national_id": number,
            "given_names": "Ola",
            "surname": "Nordmann",
            "csrf_token": csrf,
        },
    )
    assert duplicate.status_code == 422 and "allerede registrert" in duplicate.text
    # The test client logs the URLs it requests (one holds the number on purpose); the server
    # side must log none of it.
    leaked = [
        r.getMessage() for r in caplog.records if number in r.getMessage() and r.name != "httpx"
    ]
    assert not leaked, leaked


def test_employee_paging_and_search(client: TestClient, world: World, portal: Portal) -> None:
    from portal.demo import national_ids
    from portal.models import name_key

    with portal.sessions() as session:
        for i, nid in enumerate(national_ids(120, seed=42)):
            session.add(
                Employee(
                    company_id=world.company_a,
                    national_id=nid,
                    given_names=f"Navn{i:03d}",
                    surname="Side",
                    name_key=name_key(f"Navn{i:03d}", "Side"),
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
        session.commit()
    login(client, world.orderer_a)
    first = client.get("/employees").text
    assert "Side 1 / 3" in first or "Page 1 / 3" in first
    assert "Navn000 Side" in first and "Navn060 Side" not in first
    second = client.get("/employees?page=2").text
    assert "Navn060 Side" in second or "Navn050 Side" in second
    found = client.get("/employees?q=navn11").text
    assert "Navn110 Side" in found and "Navn000 Side" not in found


def test_company_switch_only_to_own_companies(client: TestClient, world: World) -> None:
    csrf = login(client, world.orderer_a)
    assert (
        client.post(
            "/company", data={"company_id": world.company_b, "csrf_token": csrf}
        ).status_code
        == 404
    )
    assert "Person3" not in client.get("/employees").text


# ---------------------------------------------------------------- authorisation on every route


def seed_objects_of_a(client_a: TestClient, portal: Portal, world: World) -> dict[str, str]:
    """An order with a card, a share link and an upload in company A (through the real app)."""
    from tests.portal.support import seed_card

    csrf = login(client_a, world.orderer_a)
    order_id = place_order(client_a, csrf, world.employees_a[1])
    link = share_link(client_a, csrf, order_id)
    card_id = seed_card(portal, world, world.employees_a[0])
    with portal.sessions() as session:
        link_id = session.scalars(select(ShareLink.id).where(ShareLink.order_id == order_id)).one()
        card = session.get(Card, card_id)
        assert card is not None
    status, fragment = upload(client_a, link, "photo", jpeg(skdata.astronaut()))
    assert status == 200
    upload_id = re.search(r'id="upload-([0-9a-f]{32})"', fragment)
    assert upload_id
    return {
        "employee_id": str(world.employees_a[0]),
        "order_id": str(order_id),
        "card_id": str(card_id),
        "link_id": str(link_id),
        "upload_id": upload_id.group(1),
        "step": "production",
        "variant": "original",
        "token": link.removeprefix("/s/"),
        "card_number": card.card_number,
    }


def all_routes() -> list[object]:
    """Every route of every router the app includes (the routers use no prefixes)."""
    from portal.routers import auth, employees, orders, review, share, status

    return [r for m in (auth, employees, orders, review, share, status) for r in m.router.routes]


def test_orderer_of_b_sees_nothing_of_a_on_any_route(
    client: TestClient, portal: Portal, world: World
) -> None:
    from portal.app import create_app

    ids = seed_objects_of_a(client, portal, world)
    employee_a = "Person0 Testesen"
    with TestClient(
        create_app(portal), base_url="http://testserver", follow_redirects=False
    ) as client_b:
        csrf_b = login(client_b, world.orderer_b)
        checked = 0
        for route in all_routes():
            if not isinstance(route, APIRoute):
                continue
            path = route.path
            if path.startswith("/s/") or path in (
                "/login",
                "/logout",
                "/lang",
                "/status",
                "/healthz",
                "/",
            ):
                continue  # public routes: token-scoped (tested below) or without company data
            url = path.format(**ids)
            for method in route.methods or set():
                if method == "GET":
                    response = client_b.get(url, follow_redirects=False)
                else:
                    response = client_b.post(
                        url,
                        data={"csrf_token": csrf_b, "company_id": str(world.company_a)},
                        follow_redirects=False,
                    )
                checked += 1
                allowed = (403, 404) if "{" in path else (200, 303, 403, 404, 422)
                assert response.status_code in allowed, (method, path, response.status_code)
                if response.status_code == 200:
                    # Only the orderer's own lists: nothing of company A in them.
                    assert "{" not in path, (method, path)
                    assert employee_a not in response.text and "Alfa Bygg" not in response.text, (
                        path
                    )
        assert checked >= 20
    # Company A's objects are unchanged by B's attempts.
    with portal.sessions() as session:
        order = session.get(Order, int(ids["order_id"]))
        card = session.get(Card, int(ids["card_id"]))
        link = session.get(ShareLink, int(ids["link_id"]))
        assert order is not None and order.status == OrderStatus.PENDING
        assert card is not None and card.status == "valid"
        assert link is not None and link.revoked_at is None


def test_orderer_cannot_use_the_review_routes(client: TestClient, world: World) -> None:
    login(client, world.orderer_a)
    assert client.get("/review").status_code == 403


# ---------------------------------------------------------------- share links and uploads


def test_share_link_page_has_no_national_id_and_can_be_revoked(
    client: TestClient, world: World, portal: Portal
) -> None:
    csrf = login(client, world.orderer_a)
    order_id = place_order(client, csrf, world.employees_a[0])
    link = share_link(client, csrf, order_id)
    token = link.removeprefix("/s/")
    assert len(token) >= 22  # 128 bits in URL-safe base64 at least
    with portal.sessions() as session:
        stored = session.scalars(select(ShareLink)).one()
        assert token not in stored.token_hash and len(stored.token_hash) == 64
        link_id = stored.id
    anonymous = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    page = anonymous.get(link).text
    assert "Person0 Testesen" in page and world.national_ids_a[0] not in page
    assert world.national_ids_a[0][:6] not in page
    assert 'capture="user"' in page
    assert anonymous.get("/s/" + "x" * 43).status_code == 404
    client.post(f"/share-links/{link_id}/revoke", data={"csrf_token": csrf})
    assert anonymous.get(link).status_code == 410


def test_expired_share_link_is_gone(client: TestClient, world: World, portal: Portal) -> None:
    csrf = login(client, world.orderer_a)
    order_id = place_order(client, csrf, world.employees_a[0])
    link = share_link(client, csrf, order_id)
    with portal.sessions() as session:
        stored = session.scalars(select(ShareLink)).one()
        stored.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.commit()
    assert client.get(link).status_code == 410


def test_failing_portrait_gets_its_specific_messages_from_the_real_verifier(
    client: TestClient, world: World, portal: Portal
) -> None:
    csrf = login(client, world.orderer_a)
    order_id = place_order(client, csrf, world.employees_a[0])
    link = share_link(client, csrf, order_id)
    started = time.monotonic()
    status, fragment = upload(client, link, "photo", jpeg(skdata.astronaut()))
    assert status == 200 and 'data-state="queued"' in fragment
    result = wait_for_verdict(client, link, fragment)
    assert time.monotonic() - started < 60
    assert 'data-state="fail"' in result
    assert 'data-rule="face_size"' in result or 'data-rule="pose"' in result
    annotated = re.search(r'src="(/s/[^"]+/annotated\.jpg)"', result)
    assert annotated, "the photo with the problems drawn on it"
    image = client.get(annotated.group(1))
    assert image.status_code == 200 and image.content[:3] == b"\xff\xd8\xff"
    # English on request.
    client.post("/lang", data={"lang": "en", "csrf_token": csrf_of(client, link), "back": link})
    assert "Not accepted" in client.get(link).text
    with portal.sessions() as session:
        order = session.get(Order, order_id)
        assert order is not None and order.status == OrderStatus.PENDING
        stored = session.scalars(select(Upload)).one()
        assert stored.state == UploadState.FAIL


def test_no_face_and_not_an_image(client: TestClient, world: World) -> None:
    csrf = login(client, world.orderer_a)
    link = share_link(client, csrf, place_order(client, csrf, world.employees_a[0]))
    status, fragment = upload(client, link, "photo", jpeg(skdata.coffee()))
    assert 'data-rule="face_present"' in wait_for_verdict(client, link, fragment)
    status, text = upload(client, link, "photo", b"%PDF-1.4 not a photo")
    assert status == 422 and "ikke et bilde" in text
    status, text = upload(client, link, "photo", b"GIF89a" + b"\0" * 100)
    assert status == 422 and "støttes ikke" in text


def test_upload_size_limit(portal: Portal, world: World, tmp_path) -> None:
    from portal.app import create_app

    small = portal.settings.with_overrides(upload_max_bytes=50_000)
    portal.settings = small
    with TestClient(
        create_app(portal), base_url="http://testserver", follow_redirects=False
    ) as client:
        csrf = login(client, world.orderer_a)
        link = share_link(client, csrf, place_order(client, csrf, world.employees_a[0]))
        noise = (skdata.astronaut().astype("uint16") * 7 % 251).astype("uint8")
        big = jpeg(noise, quality=100)
        assert len(big) > 50_000
        status, text = upload(client, link, "photo", big)
        assert status == 413 and "for stor" in text
        # Refused before the body is read (no session yet): still in the page's language.
        huge = b"\xff\xd8" + bytes(200_000)
        refused = client.post(
            f"{link}/photo",
            files={"photo": ("big.jpg", huge, "image/jpeg")},
            headers={"X-Requested-With": "fetch", "X-Page-Lang": "en"},
        )
        assert refused.status_code == 413 and "The file is too large" in refused.text


def test_stored_portrait_has_no_exif_and_a_random_name(
    client: TestClient, world: World, portal: Portal
) -> None:
    csrf = login(client, world.orderer_a)
    link = share_link(client, csrf, place_order(client, csrf, world.employees_a[0]))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (59.0, 54.0, 49.0), 3: "E", 4: (10.0, 45.0, 7.0)}  # GPS
    original = jpeg(skdata.astronaut(), exif=exif.tobytes())
    assert b"PhoneMaker" in original
    status, _ = upload(client, link, "photo", original)
    assert status == 200
    with portal.sessions() as session:
        stored = session.scalars(select(Upload)).one()
    path = portal.files.path(stored.stored_name)
    assert re.fullmatch(r"[0-9a-f]{32}", path.name) and path.suffix == ""
    assert not path.is_relative_to(__import__("portal").__path__[0])  # outside the web root
    content = path.read_bytes()
    assert b"PhoneMaker" not in content and b"Exif" not in content
    assert not Image.open(io.BytesIO(content)).getexif()


def test_share_uploads_are_rate_limited(portal: Portal, world: World) -> None:
    from portal.app import create_app
    from portal.settings import RateLimit

    portal.settings = portal.settings.with_overrides(
        share_upload_limit=RateLimit(count=2, window_s=60)
    )
    portal.share_upload_limiter.limit = portal.settings.share_upload_limit
    with TestClient(
        create_app(portal), base_url="http://testserver", follow_redirects=False
    ) as client:
        csrf = login(client, world.orderer_a)
        link = share_link(client, csrf, place_order(client, csrf, world.employees_a[0]))
        codes = [upload(client, link, "photo", b"not an image")[0] for _ in range(3)]
        assert codes == [422, 422, 429]


def test_other_orders_upload_is_not_reachable_through_a_link(
    client: TestClient, world: World
) -> None:
    csrf = login(client, world.orderer_a)
    link_1 = share_link(client, csrf, place_order(client, csrf, world.employees_a[0]))
    link_2 = share_link(client, csrf, place_order(client, csrf, world.employees_a[1]))
    _, fragment = upload(client, link_1, "photo", jpeg(skdata.coffee()))
    upload_id = re.search(r'id="upload-([0-9a-f]{32})"', fragment)
    assert upload_id
    assert client.get(f"{link_2}/uploads/{upload_id.group(1)}/status").status_code == 404
    assert client.get(f"{link_1}/uploads/{upload_id.group(1)}/status").status_code == 200


# ---------------------------------------------------------------- review and status


def test_id_document_without_mrz_goes_to_review_and_the_reviewer_decides(
    client: TestClient, world: World, portal: Portal
) -> None:
    from portal.app import create_app

    csrf = login(client, world.orderer_a)
    order_id = place_order(client, csrf, world.employees_a[0])
    link = share_link(client, csrf, order_id)
    _, fragment = upload(client, link, "document", jpeg(skdata.coffee()))
    result = wait_for_verdict(client, link, fragment, timeout_s=120)
    # The employee is told to wait, and nothing else (no retake advice beside it).
    assert 'data-state="review"' in result and "trenger ikke gjøre noe" in result
    assert 'class="problems"' not in result
    with TestClient(
        create_app(portal), base_url="http://testserver", follow_redirects=False
    ) as reviewer:
        csrf_r = login(reviewer, world.reviewer)
        queue = reviewer.get("/review").text
        item = re.search(r'href="(/review/uploads/[0-9a-f]{32})"', queue)
        assert item and "mrz_present" in queue
        page = reviewer.get(item.group(1)).text
        assert 'data-rule="mrz_present"' in page and "original.jpg" in page
        assert "Maskinlesbar sone (MRZ)" in page  # plain words, not the rule code
        assert reviewer.get(f"{item.group(1)}/original.jpg").content[:3] == b"\xff\xd8\xff"
        missing_reason = reviewer.post(
            item.group(1), data={"csrf_token": csrf_r, "decision": "reject"}
        )
        assert missing_reason.status_code == 422
        decided = reviewer.post(
            item.group(1),
            data={"csrf_token": csrf_r, "decision": "reject", "reason": "Dokumentet er uleselig"},
        )
        assert decided.status_code == 303
        assert "mrz_present" not in reviewer.get("/review").text
    order_page = client.get(f"/orders/{order_id}").text
    assert "Dokumentet er uleselig" in order_page
    assert "Dokumentet er uleselig" in client.get(link).text


def test_status_lookup_shows_status_and_company_only(
    client: TestClient, world: World, portal: Portal
) -> None:
    from tests.portal.support import seed_card

    card_id = seed_card(portal, world, world.employees_a[0])
    with portal.sessions() as session:
        card = session.get(Card, card_id)
        assert card is not None
        number = card.card_number
    anonymous = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    page = anonymous.get(f"/status?card={number}").text
    assert 'data-status="valid"' in page and "Alfa Bygg AS" in page
    assert "Person0" not in page and "Testesen" not in page and world.national_ids_a[0] not in page
    assert 'data-status="unknown"' in anonymous.get("/status?card=0000000000").text
    csrf = login(client, world.orderer_a)
    client.post(f"/cards/{card_id}/block", data={"csrf_token": csrf})
    assert 'data-status="blocked"' in anonymous.get(f"/status?card={number}").text
    with portal.sessions() as session:
        card = session.get(Card, card_id)
        assert card is not None
        card.status = "valid"
        card.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        session.commit()
    assert 'data-status="expired"' in anonymous.get(f"/status?card={number}").text


def test_status_lookup_is_rate_limited(portal: Portal, world: World) -> None:
    from portal.app import create_app
    from portal.settings import RateLimit

    portal.status_limiter.limit = RateLimit(count=3, window_s=60)
    with TestClient(
        create_app(portal), base_url="http://testserver", follow_redirects=False
    ) as client:
        codes = [client.get("/status?card=1234567890").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert client.get("/status").status_code == 200  # the empty form is not counted


def test_security_headers(client: TestClient) -> None:
    response = client.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "hmsverify_session" in response.headers.get("set-cookie", "")
    assert "httponly" in response.headers["set-cookie"].lower()
    _ = PASSWORD


def test_compliant_portrait_passes_and_borderline_ones_queue_oldest_first(
    client: TestClient, world: World, portal: Portal
) -> None:
    from portal.app import create_app
    from tests.portal.support import test_image

    csrf = login(client, world.orderer_a)
    link_1 = share_link(client, csrf, place_order(client, csrf, world.employees_a[0]))
    link_2 = share_link(client, csrf, place_order(client, csrf, world.employees_a[1]))
    _, fragment = upload(client, link_1, "photo", test_image("compliant_portrait.jpg"))
    result = wait_for_verdict(client, link_1, fragment)
    assert 'data-state="pass"' in result and 'ul class="problems"' not in result
    crop = re.search(r'src="(/s/[^"]+/crop\.jpg)"', result)
    assert crop and client.get(crop.group(1)).content[:3] == b"\xff\xd8\xff"
    ids = []
    for link in (link_2, link_1):  # link_2's borderline upload is the older one
        _, fragment = upload(client, link, "photo", test_image("borderline_small.jpg"))
        assert 'data-state="review"' in wait_for_verdict(client, link, fragment)
        found = re.search(r'id="upload-([0-9a-f]{32})"', fragment)
        assert found
        ids.append(found.group(1))
    with TestClient(
        create_app(portal), base_url="http://testserver", follow_redirects=False
    ) as reviewer:
        login(reviewer, world.reviewer)
        queue = reviewer.get("/review").text
        assert re.findall(r'href="/review/uploads/([0-9a-f]{32})"', queue) == ids
        item = reviewer.get(f"/review/uploads/{ids[0]}").text
        row = re.search(r'<tr class="rule-review" data-rule="face_size">(.*?)</tr>', item)
        assert row, "the borderline rule is listed"
        # In words, rounded, with its unit and limit: no rule code, no raw float.
        assert "Ansiktets størrelse" in row.group(1) and "px mellom øynene" in row.group(1)
        assert "minst 90 px" in row.group(1)
        assert not re.search(r"\d+\.\d{3,}", row.group(1))


def test_share_link_can_be_mailed_to_the_employee(
    client: TestClient, world: World, portal: Portal
) -> None:
    from portal.models import OutboxEmail

    with portal.sessions() as session:
        employee = session.get(Employee, world.employees_a[2])
        assert employee is not None
        employee.email = "person2@example.no"
        session.commit()
    csrf = login(client, world.orderer_a)
    order_id = place_order(client, csrf, world.employees_a[2])
    assert "person2@example.no" in client.get(f"/orders/{order_id}").text
    client.post(f"/orders/{order_id}/share-links", data={"csrf_token": csrf, "send_email": "true"})
    link = re.search(r'value="(http://testserver/s/[^"]+)"', client.get(f"/orders/{order_id}").text)
    assert link
    with portal.sessions() as session:
        (mail,) = session.scalars(select(OutboxEmail)).all()
    assert mail.recipient == "person2@example.no" and link.group(1) in mail.body
    assert world.national_ids_a[2] not in mail.body


def test_a_frown_only_the_expression_classifier_sees_is_explained_to_the_reviewer(
    client: TestClient, world: World, portal: Portal
) -> None:
    """The reviewer reads why the photo is borderline: the classifier's strongest expression
    and its share, against the limit, on the page (not a raw blendshape number alone)."""
    from portal.app import create_app
    from tests.photo.support.expression_edits import frowning_portrait_png

    csrf = login(client, world.orderer_a)
    link = share_link(client, csrf, place_order(client, csrf, world.employees_a[0]))
    _, fragment = upload(client, link, "photo", frowning_portrait_png())
    assert 'data-state="review"' in wait_for_verdict(client, link, fragment)
    found = re.search(r'id="upload-([0-9a-f]{32})"', fragment)
    assert found
    with TestClient(
        create_app(portal), base_url="http://testserver", follow_redirects=False
    ) as reviewer:
        login(reviewer, world.reviewer)
        item = reviewer.get(f"/review/uploads/{found.group(1)}").text
        row = re.search(r'<tr class="rule-review" data-rule="expression_neutral">(.*?)</tr>', item)
        assert row and "gransking over 85 %" in row.group(1)
        reading = re.search(r'<span class="rule-reading">(.*?)</span>', item)
        assert reading, "the classifier's reading is shown"
        assert "Uttrykksmodellen" in reading.group(1) and "mest sinne" in reading.group(1)
