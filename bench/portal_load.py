"""Portal load figures: upload-to-feedback latency for concurrent share-link uploads, and page
render times with a large company.

Runs the real portal (uvicorn, in this process) with its embedded verification queue and the
real verifier, on a fresh database (SQLite by default, or --database-url), and drives it over
HTTP like browsers would: each "employee" posts a portrait to their share link and polls the
status fragment (as the page's script does) until the verdict shows.

    .venv/bin/python -m bench.portal_load
    .venv/bin/python -m bench.portal_load --database-url postgresql://postgres@127.0.0.1:5432/hmsverify_bench

Memory (the portal process's resident set over many uploads, in rounds of --uploads concurrent
ones after one warm-up round):

    .venv/bin/python -m bench.portal_load --memory 500 --uploads 20
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import secrets
import socket
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import uvicorn
from PIL import Image
from sqlalchemy import insert, select, text

from portal.app import create_app
from portal.db import make_engine
from portal.demo import (
    DEMO_PASSWORD,
    ORDERER_EMAIL,
    REVIEWER_EMAIL,
    national_ids,
    person_names,
    seed_demo,
)
from portal.models import Company, Employee, Order, ShareLink, User, name_key
from portal.security import token_digest
from portal.settings import PortalSettings, RateLimit, sqlite_url
from portal.state import Portal, build_portal

ROOT = Path(__file__).resolve().parents[1]
POLL_S = 0.1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_database(url: str | None, directory: Path) -> str:
    if url is None:
        return sqlite_url(directory / "bench.sqlite3")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def seed_large_company(portal: Portal, employees: int) -> int:
    """The demo data plus `employees` more in the first company (bulk insert)."""
    with portal.sessions() as session:
        seed_demo(session)
        session.commit()
        company = session.scalars(select(Company).order_by(Company.name)).first()
        assert company is not None
        ids = national_ids(employees, seed=2024)
        names = person_names(employees, seed=2025)
        now = dt.datetime.now(dt.UTC)
        existing = set(
            session.scalars(select(Employee.national_id).where(Employee.company_id == company.id))
        )
        rows = [
            {
                "company_id": company.id,
                "national_id": nid,
                "given_names": f"{given} {i}",
                "surname": surname,
                "name_key": name_key(f"{given} {i}", surname),
                "created_at": now,
            }
            for i, (nid, (given, surname)) in enumerate(zip(ids, names, strict=True))
            if nid not in existing
        ]
        for start in range(0, len(rows), 2000):
            session.execute(insert(Employee), rows[start : start + 2000])
        session.commit()
        return company.id


def make_share_links(portal: Portal, company_id: int, count: int) -> list[str]:
    """`count` pending orders, each with a share link, straight into the database."""
    tokens = []
    with portal.sessions() as session:
        orderer = session.scalars(select(User).where(User.email == ORDERER_EMAIL)).one()
        employees = session.scalars(
            select(Employee)
            .where(Employee.company_id == company_id)
            .order_by(Employee.id)
            .limit(count)
        ).all()
        now = dt.datetime.now(dt.UTC)
        for employee in employees:
            order = Order(
                company_id=company_id,
                employee_id=employee.id,
                orderer_id=orderer.id,
                status="pending",
                created_at=now,
                updated_at=now,
            )
            session.add(order)
            session.flush()
            token = secrets.token_urlsafe(32)
            session.add(
                ShareLink(
                    token_hash=token_digest(token),
                    order_id=order.id,
                    employee_id=employee.id,
                    created_by=orderer.id,
                    created_at=now,
                    expires_at=now + dt.timedelta(days=14),
                )
            )
            tokens.append(token)
        session.commit()
    return tokens


def start_server(portal: Portal, port: int) -> uvicorn.Server:
    server = uvicorn.Server(
        uvicorn.Config(create_app(portal), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 120
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise SystemExit("server did not start")
    return server


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token")
    return match.group(1)


def one_upload(
    base: str, token: str, image: bytes, start: threading.Barrier
) -> tuple[float, float, str]:
    """(seconds until the upload response, seconds until the verdict shows, verdict state)."""
    with httpx.Client(base_url=base, timeout=300) as client:
        csrf = csrf_from(client.get(f"/s/{token}").text)
        start.wait()
        began = time.perf_counter()
        response = client.post(
            f"/s/{token}/photo",
            data={"csrf_token": csrf},
            files={"photo": ("photo.jpg", image, "image/jpeg")},
            headers={"X-Requested-With": "fetch"},
        )
        accepted = time.perf_counter() - began
        html = response.text
        poll = re.search(r'data-poll="([^"]+)"', html)
        while poll:
            time.sleep(POLL_S)
            html = client.get(poll.group(1), headers={"X-Requested-With": "fetch"}).text
            poll = re.search(r'data-poll="([^"]+)"', html)
        state = re.search(r'data-state="([a-z]+)"', html)
        return accepted, time.perf_counter() - began, state.group(1) if state else "?"


def measure_uploads(base: str, tokens: list[str], image: bytes, *, quiet: bool = False) -> None:
    barrier = threading.Barrier(len(tokens))
    with ThreadPoolExecutor(len(tokens)) as pool:
        results = list(pool.map(lambda t: one_upload(base, t, image, barrier), tokens))
    accepted = [r[0] for r in results]
    feedback = [r[1] for r in results]
    states: dict[str, int] = {}
    for _, _, state in results:
        states[state] = states.get(state, 0) + 1
    if quiet:
        if "?" in states:
            raise RuntimeError(f"uploads without a verdict: {states}")
        return
    print(
        f"{len(tokens)} concurrent share-link uploads ({len(image) / 1e6:.2f} MB JPEG each), verdicts {states}"
    )
    print(
        f"  upload response   p50 {percentile(accepted, 0.5):6.2f} s   p95 {percentile(accepted, 0.95):6.2f} s"
    )
    print(
        f"  upload->feedback  p50 {percentile(feedback, 0.5):6.2f} s   p95 {percentile(feedback, 0.95):6.2f} s   "
        f"max {max(feedback):.2f} s"
    )


def rss_mb() -> float:
    """This process's resident set (the portal, its queue threads and the load generator)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def settled_rss_mb(idle_s: float = 3.0) -> float:
    """RSS after the load: idle a moment, as a portal between bursts."""
    import gc

    gc.collect()
    time.sleep(idle_s)
    return rss_mb()


def measure_memory(base: str, tokens: list[str], image: bytes, concurrency: int) -> None:
    rounds = [tokens[i : i + concurrency] for i in range(0, len(tokens), concurrency)]
    for batch in rounds[:1]:  # warm-up: models loaded, pools and caches filled
        measure_uploads(base, batch, image, quiet=True)
    warm = settled_rss_mb()
    print(f"RSS after warm-up ({len(rounds[0])} uploads): {warm:.0f} MB")
    done = 0
    peak = warm
    for batch in rounds[1:]:
        measure_uploads(base, batch, image, quiet=True)
        done += len(batch)
        peak = max(peak, rss_mb())
        if done % 100 < concurrency:
            print(f"  after {done:4d} uploads: RSS {rss_mb():.0f} MB", flush=True)
    after = settled_rss_mb()
    print(
        f"RSS after {done} more uploads: {after:.0f} MB ({(after / warm - 1) * 100:+.1f} % of "
        f"the warm-up RSS; peak during the run {peak:.0f} MB)"
    )


def measure_pages(base: str, portal: Portal, company_id: int, repeats: int) -> None:
    with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as client:
        csrf = csrf_from(client.get("/login").text)
        client.post(
            "/login", data={"email": ORDERER_EMAIL, "password": DEMO_PASSWORD, "csrf_token": csrf}
        )
        csrf = csrf_from(client.get("/status").text)
        client.post("/company", data={"company_id": str(company_id), "csrf_token": csrf})
        with portal.sessions() as session:
            total = session.scalar(
                text(f"SELECT count(*) FROM employees WHERE company_id = {company_id}")
            )
            some_employee = session.scalar(
                select(Employee.id)
                .where(Employee.company_id == company_id)
                .order_by(Employee.id.desc())
            )
            some_order = session.scalar(select(Order.id).where(Order.company_id == company_id))
        pages = {
            "employees page 1": "/employees",
            "employees page 100": "/employees?page=100",
            "employees search": "/employees?q=hansen",
            "employee": f"/employees/{some_employee}",
            "orders": "/orders",
            "order": f"/orders/{some_order}",
            "status lookup": "/status?card=0000000000",
        }
        print(
            f"page render, company with {total} employees, {repeats} requests each (server time incl. HTTP):"
        )
        for label, path in pages.items():
            for _ in range(3):  # warm caches (templates, statement cache) before measuring
                client.get(path)
            times = []
            for _ in range(repeats):
                began = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - began) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")
            print(
                f"  {label:20s} p50 {statistics.median(times):6.1f} ms   p95 {percentile(times, 0.95):6.1f} ms"
            )
    with httpx.Client(base_url=base, timeout=60) as reviewer:
        csrf = csrf_from(reviewer.get("/login").text)
        reviewer.post(
            "/login", data={"email": REVIEWER_EMAIL, "password": DEMO_PASSWORD, "csrf_token": csrf}
        )
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            reviewer.get("/review")
            times.append((time.perf_counter() - began) * 1000)
        print(
            f"  {'review queue':20s} p50 {statistics.median(times):6.1f} ms   p95 {percentile(times, 0.95):6.1f} ms"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL URL (its public schema is dropped!)"
    )
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=60)
    parser.add_argument("--image", type=Path, default=ROOT / "tests/images/compliant_portrait.jpg")
    parser.add_argument(
        "--phone-size", action="store_true", help="upscale the image to 12 MP first"
    )
    parser.add_argument(
        "--memory",
        type=int,
        default=0,
        metavar="N",
        help="measure RSS over N uploads in rounds of --uploads (after a warm-up round)",
    )
    args = parser.parse_args()

    image = args.image.read_bytes()
    if args.phone_size:
        big = (
            Image.open(io.BytesIO(image))
            .convert("RGB")
            .resize((3024, 4032), Image.Resampling.LANCZOS)
        )
        out = io.BytesIO()
        big.save(out, "JPEG", quality=90)
        image = out.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        port = free_port()
        settings = PortalSettings(
            database_url=fresh_database(args.database_url, directory),
            data_dir=directory / "data",
            base_url=f"http://127.0.0.1:{port}",
            share_upload_limit=RateLimit(1000, 60),
            status_lookup_limit=RateLimit(100_000, 60),
            start_background_jobs=False,
            secure_cookies=False,  # plain http on 127.0.0.1
        )
        portal = build_portal(settings)
        started = time.perf_counter()
        company_id = seed_large_company(portal, args.employees)
        tokens = make_share_links(portal, company_id, args.uploads + args.memory)
        print(
            f"database: {portal.engine.url.get_backend_name()}, seeded in {time.perf_counter() - started:.1f} s"
        )
        server = start_server(portal, port)
        base = f"http://127.0.0.1:{port}"
        try:
            if args.memory:
                measure_memory(base, tokens, image, args.uploads)
            else:
                measure_uploads(base, tokens, image)
                measure_pages(base, portal, company_id, args.repeats)
        finally:
            server.should_exit = True
            time.sleep(1)
        portal.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
