"""API load figures: orders per second through level 2 (add employee, order, portrait and ID
document uploads, until both verdicts are stored), and the latency of a level 1 card lookup at
50 concurrent clients.

The portal runs as its own process (`hmsverify serve`, uvicorn, embedded verification queue, the
real verifier) on a fresh database; this process is only the clients (asyncio + httpx), so the
clients' own work does not share the server's interpreter.

    .venv/bin/python -m bench.api_load
    .venv/bin/python -m bench.api_load --database-url postgresql://postgres@127.0.0.1:5432/hmsverify_bench
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from bench.portal_load import free_port, fresh_database, percentile
from portal.api_clients import SCOPES, create_client
from portal.clock import utcnow
from portal.demo import ORDERER_EMAIL, national_ids, seed_demo
from portal.lifecycle import attach_upload, place_order, record_check
from portal.models import (
    Card,
    Company,
    CompanyRole,
    Employee,
    Upload,
    UploadState,
    User,
)
from portal.settings import settings_from_env
from portal.state import Portal, build_portal
from verifier import UploadKind

ROOT = Path(__file__).resolve().parents[1]
PHOTO = ROOT / "tests" / "images" / "compliant_portrait.jpg"


def seed(portal: Portal, clients: int) -> tuple[list[tuple[str, str]], list[str]]:
    """Demo data, `clients` API clients with every scope, and a few issued cards."""
    from portal.contexts import lifecycle_context

    with portal.sessions() as session:
        seed_demo(session)
        owner = session.scalars(select(User).where(User.email == ORDERER_EMAIL)).one()
        role = session.scalars(select(CompanyRole).where(CompanyRole.user_id == owner.id)).first()
        assert role is not None
        company = session.get(Company, role.company_id)
        assert company is not None
        credentials = []
        for i in range(clients):
            made = create_client(
                session, company, owner, name=f"bench {i}", scopes=list(SCOPES), now=utcnow()
            )
            credentials.append((made.client.client_id, made.secret))
        ctx = lifecycle_context(portal, session, "bench")
        employees = session.scalars(
            select(Employee).where(Employee.company_id == company.id).limit(5)
        ).all()
        numbers = []
        for employee in employees:
            order = place_order(ctx, employee, owner)
            for kind in (UploadKind.PHOTO, UploadKind.ID_DOCUMENT):
                upload = Upload(
                    id=secrets.token_hex(16),
                    order_id=order.id,
                    kind=kind,
                    stored_name=portal.files.save(b"x"),
                    source_format="jpeg",
                    size_bytes=1,
                    state=UploadState.QUEUED,
                    created_at=ctx.now,
                )
                session.add(upload)
                session.flush()
                attach_upload(ctx, order, upload)
                record_check(ctx, upload, UploadState.PASS, {"status": "pass", "results": []})
            session.flush()
            card = session.scalars(select(Card).where(Card.order_id == order.id)).one()
            numbers.append(card.card_number)
        session.commit()
    return credentials, numbers


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "verifier.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("the portal did not start")


async def token(http: httpx.AsyncClient, credentials: tuple[str, str]) -> dict[str, str]:
    answer = await http.post(
        "/api/v1/token", data={"grant_type": "client_credentials"}, auth=credentials
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def level_1(
    base: str,
    credentials: list[tuple[str, str]],
    numbers: list[str],
    per_client: int,
    rate: float | None,
) -> tuple[list[float], float]:
    """All clients at once, each looking cards up `rate` times a second (a gate scanning
    cards; start phases spread over one period), or back to back when `rate` is None (the
    server saturated). Returns the latencies and the wall time."""
    latencies: list[float] = []
    period = 1.0 / rate if rate else 0.0

    async def client(index: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            headers = await token(http, credentials[index])
            await http.get(f"/api/v1/cards/{numbers[0]}", headers=headers)  # connection up
            await ready.wait()
            await asyncio.sleep(period * index / len(credentials))
            next_at = time.perf_counter()
            for i in range(per_client):
                if period:
                    next_at += period
                started = time.perf_counter()
                answer = await http.get(
                    f"/api/v1/cards/{numbers[i % len(numbers)]}", headers=headers
                )
                latencies.append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.text
                if period:
                    await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

    ready = asyncio.Event()
    tasks = [asyncio.create_task(client(i)) for i in range(len(credentials))]
    await asyncio.sleep(2.0)  # tokens fetched, connections open
    began = time.perf_counter()
    ready.set()
    await asyncio.gather(*tasks)
    return latencies, time.perf_counter() - began


async def level_2(
    base: str, credentials: list[tuple[str, str]], orders: int, photo: bytes, document: bytes
) -> tuple[float, float, list[float]]:
    """`orders` orders, each: add employee, order, two uploads; then wait for the verdicts."""
    people = national_ids(orders + 200, seed=4242)[200:]
    request_times: list[float] = []
    order_ids: list[int] = []

    async def one(index: int, http: httpx.AsyncClient, headers: dict[str, str]) -> None:
        started = time.perf_counter()
        employee = await http.post(
            "/api/v1/employees",
            json={"national_id": people[index], "given_names": "Bench", "surname": f"N{index}"},
            headers=headers,
        )
        assert employee.status_code == 201, employee.text
        order = await http.post(
            "/api/v1/orders",
            json={"employee_id": employee.json()["id"]},
            headers={**headers, "Idempotency-Key": f"bench-{index}"},
        )
        assert order.status_code == 201, order.text
        order_id = order.json()["id"]
        for endpoint, data in (("photo", photo), ("id-document", document)):
            sent = await http.post(
                f"/api/v1/orders/{order_id}/{endpoint}",
                files={"file": ("f.jpg", data, "image/jpeg")},
                headers=headers,
            )
            assert sent.status_code == 202, sent.text
        request_times.append(time.perf_counter() - started)
        order_ids.append(order_id)

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        headers = [await token(http, c) for c in credentials]
        lanes = len(credentials)

        async def lane(k: int) -> None:
            for index in range(k, orders, lanes):
                await one(index, http, headers[k])

        await asyncio.gather(*(lane(k) for k in range(lanes)))
        submitted = time.perf_counter() - started
        pending = set(order_ids)
        while pending:
            listed = await http.get("/api/v1/orders", params={"limit": 200}, headers=headers[0])
            for state in listed.json()["orders"]:
                uploads = [state["photo"], state["id_document"]]
                if all(u is not None and u["state"] != "queued" for u in uploads):
                    pending.discard(state["id"])
            await asyncio.sleep(0.5)
        decided = time.perf_counter() - started
    return submitted, decided, request_times


def document_jpeg() -> bytes:
    """A card-sized photo without an MRZ (the check reads it and sends it to review)."""
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(7)
    pixels = rng.integers(90, 200, size=(540, 860, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=90)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL (its schema is dropped)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent level 1 clients")
    parser.add_argument("--lookups", type=int, default=40, help="lookups per level 1 client")
    parser.add_argument(
        "--rate", type=float, default=2.0, help="lookups per second per level 1 client"
    )
    parser.add_argument("--orders", type=int, default=40, help="level 2 orders")
    parser.add_argument("--order-clients", type=int, default=4, help="concurrent level 2 clients")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="api-load-") as tmp:
        directory = Path(tmp)
        database_url = fresh_database(args.database_url, directory)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "HMSVERIFY_DATA_DIR": str(directory),
            "HMSVERIFY_SECRET_KEY": secrets.token_urlsafe(32),
        }
        env.pop("REDIS_URL", None)
        # Every bench client calls from 127.0.0.1: the per-address token limit would stop them.
        env["HMSVERIFY_API_TOKEN_LIMIT"] = "100000/60"
        settings = settings_from_env(directory).with_overrides(database_url=database_url)
        portal = build_portal(settings)
        credentials, numbers = seed(portal, max(args.clients, args.order_clients))
        portal.engine.dispose()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env["HMSVERIFY_BASE_URL"] = base
        server = start_server(port, env)
        try:
            for rate in (args.rate, None):
                latencies, wall = asyncio.run(
                    level_1(base, credentials[: args.clients], numbers, args.lookups, rate)
                )
                ms = [x * 1000 for x in latencies]
                pace = f"{rate:g} lookups/s each" if rate else "back to back (saturated)"
                print(
                    f"level 1 card lookup, {args.clients} concurrent clients, {pace}, "
                    f"{len(ms)} requests in {wall:.1f} s ({len(ms) / wall:.0f}/s): "
                    f"p50 {percentile(ms, 0.5):.1f} ms, p95 {percentile(ms, 0.95):.1f} ms, "
                    f"max {max(ms):.1f} ms, mean {statistics.fmean(ms):.1f} ms"
                )
            submitted, decided, per_order = asyncio.run(
                level_2(
                    base,
                    credentials[: args.order_clients],
                    args.orders,
                    PHOTO.read_bytes(),
                    document_jpeg(),
                )
            )
            print(
                f"level 2, {args.orders} orders by {args.order_clients} concurrent clients "
                f"(employee + order + portrait + ID document each): submitted in "
                f"{submitted:.1f} s = {args.orders / submitted:.1f} orders/s "
                f"(4 requests per order, p50 {percentile(per_order, 0.5):.2f} s per order); "
                f"both verdicts stored after {decided:.1f} s = "
                f"{args.orders / decided:.2f} orders/s through the verifier"
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
