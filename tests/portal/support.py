"""Helpers shared by the portal tests; the fixtures built from them are in conftest.py."""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from portal.demo import add_company, add_user, make_org_number, national_ids
from portal.models import CompanyRole, Employee, Industry, name_key
from portal.registry import seed_registry
from portal.security import hash_password
from portal.settings import PortalSettings, RateLimit
from portal.state import Portal

PASSWORD = "correct horse battery"


@functools.cache
def password_hash() -> str:
    """One real argon2 hash of PASSWORD per test run (hashing takes ~0.4 s here)."""
    return hash_password(PASSWORD)


IMAGES = Path(__file__).resolve().parents[1] / "images"


def make_settings(database_url: str, data_dir: Path, **overrides: object) -> PortalSettings:
    settings = PortalSettings(
        database_url=database_url,
        data_dir=data_dir,
        base_url="http://testserver",
        start_background_jobs=False,
        # The test client speaks plain http, where a Secure cookie is never sent back.
        secure_cookies=False,
        share_upload_limit=RateLimit(count=50, window_s=60.0),
        status_lookup_limit=RateLimit(count=50, window_s=60.0),
    )
    return settings.with_overrides(**overrides)


@dataclass
class World:
    """Two companies with one orderer each, a reviewer, and employees the registry knows."""

    company_a: int
    company_b: int
    orderer_a: str
    orderer_b: str
    reviewer: str
    employees_a: list[int]
    employees_b: list[int]
    national_ids_a: list[str]


def seed_world(portal: Portal, employees: int = 3) -> World:
    with portal.sessions() as session:
        a = add_company(
            session,
            "Alfa Bygg AS",
            make_org_number("91234568"),
            Industry.CONSTRUCTION,
            "post@alfa.example",
        )
        b = add_company(
            session,
            "Beta Renhold AS",
            make_org_number("92345678"),
            Industry.CLEANING,
            "post@beta.example",
        )
        ua = add_user(
            session, "anna@alfa.example", "Anna Alfa", PASSWORD, password_hash=password_hash()
        )
        ub = add_user(
            session, "bjorn@beta.example", "Bjørn Beta", PASSWORD, password_hash=password_hash()
        )
        add_user(
            session,
            "rita@review.example",
            "Rita Reviewer",
            PASSWORD,
            reviewer=True,
            password_hash=password_hash(),
        )
        session.add_all(
            [
                CompanyRole(user_id=ua.id, company_id=a.id),
                CompanyRole(user_id=ub.id, company_id=b.id),
            ]
        )
        ids = national_ids(employees * 2, seed=3)
        created: dict[int, list[int]] = {a.id: [], b.id: []}
        for i, nid in enumerate(ids):
            company = a if i < employees else b
            employee = Employee(
                company_id=company.id,
                national_id=nid,
                given_names=f"Person{i}",
                surname="Testesen",
                name_key=name_key(f"Person{i}", "Testesen"),
                created_at=dt.datetime.now(dt.UTC),
            )
            session.add(employee)
            session.flush()
            created[company.id].append(employee.id)
        seed_registry(
            session, national_ids=ids[:employees], org_number=a.org_number, industry=a.industry
        )
        seed_registry(
            session, national_ids=ids[employees:], org_number=b.org_number, industry=b.industry
        )
        session.commit()
        return World(
            a.id,
            b.id,
            "anna@alfa.example",
            "bjorn@beta.example",
            "rita@review.example",
            created[a.id],
            created[b.id],
            ids[:employees],
        )


def csrf_of(client: TestClient, path: str = "/login") -> str:
    html = client.get(path).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: TestClient, email: str) -> str:
    token = csrf_of(client)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    return csrf_of(client, "/status")


def jpeg(rgb: object, *, exif: bytes | None = None, quality: int = 92) -> bytes:
    import numpy as np

    image = Image.fromarray(np.asarray(rgb))
    out = io.BytesIO()
    if exif is not None:
        image.save(out, "JPEG", quality=quality, exif=exif)
    else:
        image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_image(name: str) -> bytes:
    """A portrait the project generates under tests/images (scripts/make_test_images.py)."""
    path = IMAGES / name
    if not path.exists():
        pytest.skip(f"{path} missing: run `make images`")
    return path.read_bytes()


def seed_card(portal: Portal, world: World, employee_id: int) -> int:
    """An approved order with a valid card for this employee, through the life cycle."""
    import secrets

    from sqlalchemy import select

    from portal.lifecycle import Context, attach_upload, place_order, record_check
    from portal.models import Card, Upload, UploadState, User
    from portal.registry import DemoRegistry
    from verifier.queue.storage import UploadKind

    now = dt.datetime.now(dt.UTC)
    with portal.sessions() as session:
        ctx = Context(session, portal.settings, portal.files, DemoRegistry(session), now, "test")
        employee = session.get(Employee, employee_id)
        assert employee is not None
        orderer = session.scalars(select(User).where(User.email == world.orderer_a)).one()
        order = place_order(ctx, employee, orderer)
        for kind in (UploadKind.PHOTO, UploadKind.ID_DOCUMENT):
            upload = Upload(
                id=secrets.token_hex(16),
                order_id=order.id,
                kind=kind,
                stored_name=portal.files.save(b"x"),
                source_format="jpeg",
                size_bytes=1,
                state=UploadState.QUEUED,
                created_at=now,
            )
            session.add(upload)
            session.flush()
            attach_upload(ctx, order, upload)
            record_check(ctx, upload, UploadState.PASS, {"status": "pass", "results": []})
        session.commit()
        return session.scalars(select(Card.id).where(Card.order_id == order.id)).one()


def place_order(client: TestClient, csrf: str, employee_id: int) -> int:
    response = client.post(f"/employees/{employee_id}/orders", data={"csrf_token": csrf})
    assert response.status_code == 303, response.text
    match = re.match(r"/orders/(\d+)$", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def share_link(client: TestClient, csrf: str, order_id: int) -> str:
    response = client.post(f"/orders/{order_id}/share-links", data={"csrf_token": csrf})
    assert response.status_code == 303
    html = client.get(f"/orders/{order_id}").text
    match = re.search(
        r'id="share-link"[^>]*value="http://testserver(/s/[^"]+)"|value="http://testserver(/s/[^"]+)"',
        html,
    )
    assert match, "the new share link is shown on the order page"
    path = match.group(1) or match.group(2)
    # Shown once only.
    assert path not in client.get(f"/orders/{order_id}").text
    return path


def upload(client: TestClient, link: str, field: str, data: bytes, **extra: str) -> tuple[int, str]:
    csrf = csrf_of(client, link)
    endpoint = "photo" if field == "photo" else "id-document"
    response = client.post(
        f"{link}/{endpoint}",
        data={"csrf_token": csrf, **extra},
        files={field: ("upload.jpg", data, "image/jpeg")},
        headers={"X-Requested-With": "fetch"},
    )
    return response.status_code, response.text


def wait_for_verdict(client: TestClient, link: str, fragment: str, timeout_s: float = 90.0) -> str:
    match = re.search(r'data-poll="([^"]+)"', fragment)
    if not match:
        return fragment
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        html = client.get(match.group(1)).text
        if 'data-state="queued"' not in html:
            return html
        time.sleep(0.2)
    raise AssertionError("no verdict within the time limit")


def y4m_video(image: Path, out: Path, size: tuple[int, int] | None = None) -> Path:
    """A one-frame Y4M video of `image` (4:2:0), for Chromium's fake camera
    (`--use-file-for-fake-video-capture`), which repeats the frame."""
    import numpy as np
    from PIL import Image

    with Image.open(image) as source:
        rgb = source.convert("RGB")
        if size is not None:
            rgb = rgb.resize(size)
        width, height = rgb.width // 2 * 2, rgb.height // 2 * 2
        ycbcr = np.asarray(rgb.crop((0, 0, width, height)).convert("YCbCr"))
    # Video range (BT.601, Y 16-235, Cb/Cr 16-240), as the browser reads a camera's frames;
    # 4:2:0: each chroma sample is the mean of a 2x2 block.
    y = (16 + ycbcr[..., 0] * (219 / 255)).round().astype("uint8")
    cb, cr = (
        (
            128
            + (ycbcr[..., i].reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3)) - 128)
            * (224 / 255)
        )
        .round()
        .astype("uint8")
        for i in (1, 2)
    )
    header = f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode()
    frame = b"FRAME\n" + y.tobytes() + cb.tobytes() + cr.tobytes()
    out.write_bytes(header + frame)
    return out
