"""Hostile uploads through a share link: none gives a 5xx; each is refused with a reason for the
employee, or stored as a clean re-encoded JPEG (no EXIF/GPS, nothing appended, a random name
inside the file store), whatever name and type the client claimed."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from portal.models import Upload
from portal.state import Portal
from tests.portal.support import World, csrf_of, login, place_order, share_link
from tests.security.hostile_files import hostile_corpus


@pytest.mark.slow
def test_hostile_uploads_are_refused_or_stored_clean(
    client: TestClient, portal: Portal, world: World
) -> None:
    csrf = login(client, world.orderer_a)
    link = share_link(client, csrf, place_order(client, csrf, world.employees_a[0]))
    employee_csrf = csrf_of(client, link)
    outcomes: dict[str, int] = {}
    for name, (filename, data) in hostile_corpus().items():
        for endpoint, field in (("photo", "photo"), ("id-document", "document")):
            response = client.post(
                f"{link}/{endpoint}",
                data={"csrf_token": employee_csrf},
                files={field: (filename, data, "image/jpeg")},
                headers={"X-Requested-With": "fetch"},
            )
            outcomes[f"{name}/{endpoint}"] = response.status_code
            assert response.status_code in (200, 413, 422), (name, endpoint, response.text[:300])
            assert "Traceback" not in response.text
            if response.status_code != 200:
                assert 'class="verdict"' in response.text  # a reason the employee can read
                continue
            upload_id = re.search(r'id="upload-([0-9a-f]{32})"', response.text)
            assert upload_id, name
            with portal.sessions() as session:
                upload = session.get(Upload, upload_id.group(1))
                assert upload is not None
                stored_name = upload.stored_name
            assert re.fullmatch(r"[0-9a-f]{32}", stored_name)
            stored = portal.files.read(stored_name)
            assert stored.startswith(b"\xff\xd8") and stored.rstrip(b"\x00").endswith(b"\xff\xd9")
            assert stored.count(b"\xff\xd9") >= 1
            for forbidden in (b"Exif", b"HostileCam", b"PK\x03\x04", b"<script", b"<?php"):
                assert forbidden not in stored, (name, forbidden)
    # The corpus is not all refused: the clean cores of the polyglots and metadata are kept.
    assert outcomes["gps_exif/photo"] == 200 and outcomes["jpeg_zip_polyglot/photo"] == 200
    assert outcomes["png_bomb/photo"] in (413, 422) and outcomes["html_named_jpg/photo"] == 422
