"""Issue 14.1: every route reads at most its limit of a request body, also when the body comes
without a Content-Length (chunked), and before login, CSRF or the multipart parser."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from portal.app import create_app
from portal.limits import FORM_BODY_LIMIT_BYTES, upload_body_limit
from portal.middleware import SECURITY_HEADERS
from portal.state import Portal
from tests.portal.support import World, login, place_order, seed_world, share_link
from tests.security.support import LiveServer, PortalMaker, run_live_server

CHUNK = 64 * 1024
OFFERED = 256 * 1024 * 1024  # what a hostile client would send if the server kept reading


def stream_chunked(
    server: LiveServer, path: str, *, content_type: str, prefix: bytes = b""
) -> tuple[int, bytes]:
    """Sends an endless chunked body until the server answers; returns (bytes sent, answer)."""
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
                "Transfer-Encoding: chunked\r\n\r\n"
            ).encode()
        )
        if prefix:
            sock.sendall(f"{len(prefix):x}\r\n".encode() + prefix + b"\r\n")
        chunk = f"{CHUNK:x}\r\n".encode() + b"A" * CHUNK + b"\r\n"
        sent = len(prefix)
        answer = b""
        while sent < OFFERED:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += CHUNK
        sock.settimeout(10)
        try:
            while True:
                part = sock.recv(65536)
                if not part:
                    break
                answer += part
                if b"\r\n\r\n" in answer and b"</" in answer:
                    break
        except (ConnectionResetError, TimeoutError):
            pass
        return sent, answer


@pytest.fixture
def small_upload_server(make_portal: PortalMaker) -> Iterator[LiveServer]:
    portal = make_portal(upload_max_bytes=1_000_000)
    yield from run_live_server(portal)


def test_a_chunked_body_to_login_is_cut_at_a_few_kilobytes(live_server: LiveServer) -> None:
    sent, answer = stream_chunked(
        live_server, "/login", content_type="application/x-www-form-urlencoded"
    )
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    # What the kernel's socket buffers took is all: the server stopped reading at 16 KiB.
    assert sent < 32 * 1024 * 1024, sent
    for name in SECURITY_HEADERS:
        assert name.lower().encode() in answer.lower()


def test_a_chunked_upload_is_cut_at_the_upload_limit(small_upload_server: LiveServer) -> None:
    portal = small_upload_server.portal
    world = seed_world(portal)
    with TestClient(
        create_app(portal), base_url="http://testserver", follow_redirects=False
    ) as client:
        csrf = login(client, world.orderer_a)
        link = share_link(client, csrf, place_order(client, csrf, world.employees_a[0]))
    sent, answer = stream_chunked(
        small_upload_server,
        f"{link}/photo",
        content_type="multipart/form-data; boundary=xyz",
        # A well-formed start of a file part, so only the size can stop it.
        prefix=(
            b'--xyz\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n"
        ),
    )
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"for stor" in answer  # the employee's message, not a bare status
    assert sent < 40 * 1024 * 1024, sent


def test_declared_lengths_over_the_limit_are_refused_unread(
    client: TestClient, world: World
) -> None:
    form = client.post(
        "/login",
        content=b"a" * (FORM_BODY_LIMIT_BYTES + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 413
    assert form.headers["X-Frame-Options"] == "DENY"
    assert "for stor" in form.text or "too large" in form.text
    # A form within its limit still works.
    assert client.get("/login").status_code == 200


def test_a_body_over_the_limit_in_many_small_messages_is_refused(
    portal: Portal, world: World
) -> None:
    """Counted across messages (the ASGI form of chunked transfer), not per message."""

    def body() -> Iterator[bytes]:
        for _ in range(64):
            yield b"x" * 1024

    with TestClient(create_app(portal), base_url="http://testserver") as client:
        response = client.post(
            "/login",
            content=body(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 413
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_the_apis_limits_answer_as_problem_details(
    client: TestClient, portal: Portal, world: World
) -> None:
    """The JSON API gets its 413 as RFC 9457 problem details; its two multipart upload routes
    take the upload limit (a portrait fits), every other API route a form's few kilobytes."""
    json_body = client.post(
        "/api/v1/employees",
        content=b"{" + b" " * FORM_BODY_LIMIT_BYTES + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert json_body.status_code == 413
    assert json_body.headers["Content-Type"] == "application/problem+json"
    problem = json_body.json()
    assert problem["status"] == 413 and problem["instance"] == "/api/v1/employees"
    assert json_body.headers["X-Frame-Options"] == "DENY"
    # A portrait-sized body to the API's upload route is read (and refused later, unauthenticated,
    # as 401), not cut off as a form.
    upload = client.post(
        "/api/v1/orders/1/photo",
        files={"file": ("p.jpg", b"\xff\xd8" + b"0" * 200_000, "image/jpeg")},
    )
    assert upload.status_code == 401, upload.text
    over = client.post(
        "/api/v1/orders/1/photo",
        content=b"0" * (upload_body_limit(portal.settings) + 1),
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert over.status_code == 413
    assert "too large" in over.json()["detail"]
