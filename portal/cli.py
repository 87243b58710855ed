"""`hmsverify serve`, `demo`, `sweep` and `reviewer` (wired into verifier/cli.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from portal.settings import PortalSettings, settings_from_env

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from portal.api_clients import NewClient


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = subparsers.add_parser("serve", help="run the ordering portal")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--data-dir", type=Path, default=None)
    serve.set_defaults(func=_serve)

    demo = subparsers.add_parser(
        "demo", help="create the SQLite demo database with demo data and run the portal"
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--data-dir", type=Path, default=None)
    demo.set_defaults(func=_demo, demo_outbox=True)

    password = subparsers.add_parser(
        "set-password",
        help="set a portal user's password (read from stdin) and end all their sessions",
    )
    password.add_argument("email")
    password.add_argument("--data-dir", type=Path, default=None)
    password.set_defaults(func=_set_password)

    sweep = subparsers.add_parser(
        "sweep", help="run the order/card sweep once (stale orders, expiry, reminders, e-mail)"
    )
    sweep.add_argument("--data-dir", type=Path, default=None)
    sweep.add_argument(
        "--as-of",
        type=_as_of,
        default=None,
        metavar="DATE",
        help="run the sweep as if it were DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC): try the "
        "20-day cancellation, the expiry reminder and card expiry in the demo without waiting",
    )
    sweep.set_defaults(func=_sweep)

    reviewer = subparsers.add_parser(
        "reviewer",
        help="make or mark the reviewer account of a person who logs in through OpenID Connect "
        "(reads the national id from standard input)",
    )
    reviewer.add_argument("--name", required=True)
    reviewer.add_argument("--email", default=None)
    reviewer.add_argument("--data-dir", type=Path, default=None)
    reviewer.set_defaults(func=_reviewer)


def _as_of(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
        ) from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def uvicorn_options(host: str, port: int) -> dict[str, object]:
    """uvicorn's own X-Forwarded-For handling is off (by default it believes 127.0.0.1): the
    app trusts exactly HMSVERIFY_TRUSTED_PROXIES (portal/app.py), whatever server runs it."""
    return {"host": host, "port": port, "log_level": "info", "proxy_headers": False}


def demo_settings(settings: PortalSettings) -> PortalSettings:
    """The local demo runs on plain http://127.0.0.1, where a Secure cookie is never sent back:
    its cookie is not Secure unless HMSVERIFY_SECURE_COOKIES says so."""
    if "HMSVERIFY_SECURE_COOKIES" in os.environ:
        return settings
    return settings.with_overrides(secure_cookies=False)


def _run_server(args: argparse.Namespace, *, banner: str = "", demo: bool = False) -> int:
    import uvicorn

    from portal.app import create_app
    from portal.state import build_portal

    settings = settings_from_env(args.data_dir)
    if "HMSVERIFY_BASE_URL" not in os.environ:
        settings = settings.with_overrides(base_url=f"http://{args.host}:{args.port}")
    if demo:
        settings = demo_settings(settings)
    if getattr(args, "demo_outbox", False):
        settings = settings.with_overrides(demo_outbox=True)
    portal = build_portal(settings)
    if banner:
        print(banner, flush=True)
    uvicorn.run(create_app(portal), **uvicorn_options(args.host, args.port))  # type: ignore[arg-type]
    return 0


def _serve(args: argparse.Namespace) -> int:
    return _run_server(args)


def _demo(args: argparse.Namespace) -> int:
    from portal.db import session_scope
    from portal.demo import seed_demo, spare_national_ids
    from portal.state import build_portal

    if args.host in ("127.0.0.1", "localhost", "::1"):
        # Webhooks to a receiver on this machine (examples/api_order_card.py), demo only.
        os.environ.setdefault("HMSVERIFY_WEBHOOK_ALLOW_HTTP", "1")
        os.environ.setdefault("HMSVERIFY_WEBHOOK_ALLOW_PRIVATE", "1")
    settings = settings_from_env(args.data_dir)
    portal = build_portal(settings)  # creates the database and runs the migrations
    with session_scope(portal.sessions) as session:
        logins = seed_demo(session)
        api = demo_api_client(session)
    portal.engine.dispose()
    url = f"http://{args.host}:{args.port}"
    banner = "\n".join(
        [
            "",
            f"HMS-kort portal: {url}",
            f"  orderer : {logins.orderer} / {logins.password}",
            f"  reviewer: {logins.reviewer} / {logins.password}",
            f"  delegate: {logins.delegate} / {logins.password} (Nordbygg and its sub-unit)",
            f"  status lookup: {url}/status",
            f"  e-mails the demo sent (as the reviewer): {url}/outbox",
            "  national ids the demo registry knows (to add an employee): "
            + ", ".join(spare_national_ids()[:3]),
            f"  API client (all scopes, new each start): {api.client.client_id} / {api.secret}",
            f"  API docs: {url}/api/docs",
            f"  database: {settings.database_url}",
            "",
        ]
    )
    return _run_server(args, banner=banner, demo=True)


def _set_password(args: argparse.Namespace) -> int:
    import getpass

    from portal.accounts import PasswordRefused, change_password, user_by_email
    from portal.state import build_portal

    portal = build_portal(settings_from_env(args.data_dir))
    with portal.sessions() as session:
        user = user_by_email(session, args.email)
        if user is None:
            print(f"no user {args.email}", file=sys.stderr)
            return 1
        new = getpass.getpass("new password: ") if sys.stdin.isatty() else sys.stdin.readline()
        try:
            ended = change_password(session, user, new.rstrip("\n"))
        except PasswordRefused as exc:
            print(str(exc), file=sys.stderr)
            return 1
    print(f"password changed; {ended} sessions ended")
    return 0


def demo_api_client(session: Session) -> NewClient:
    """A fresh API client of the demo orderer's first company, its earlier ones revoked (only
    the secret's digest is stored, so each start prints a new one)."""
    from sqlalchemy import select

    from portal.api_clients import SCOPES, create_client, revoke_client
    from portal.clock import utcnow
    from portal.demo import ORDERER_EMAIL
    from portal.models import ApiClient, CompanyRole, User

    now = utcnow()
    orderer = session.scalars(select(User).where(User.email == ORDERER_EMAIL)).one()
    role = session.scalars(
        select(CompanyRole).where(CompanyRole.user_id == orderer.id).order_by(CompanyRole.id)
    ).first()
    assert role is not None, "the demo orderer holds a role"
    for old in session.scalars(
        select(ApiClient).where(ApiClient.name == DEMO_CLIENT, ApiClient.revoked_at.is_(None))
    ):
        revoke_client(session, old, now)
    return create_client(
        session, role.company, orderer, name=DEMO_CLIENT, scopes=list(SCOPES), now=now
    )


DEMO_CLIENT = "Demo HR system"


def _sweep(args: argparse.Namespace) -> int:
    from portal.background import run_sweep
    from portal.mail import deliver_outbox
    from portal.state import build_portal

    portal = build_portal(settings_from_env(args.data_dir))
    if args.as_of is not None:
        as_of: dt.datetime = args.as_of
        portal.clock = lambda: as_of
        print(f"sweeping as of {as_of.isoformat()}")
    report = run_sweep(portal)
    sent = deliver_outbox(
        portal.sessions,
        portal.settings.smtp,
        portal.files,
        max_attempts=portal.settings.outbox_max_attempts,
    )
    print(
        f"cancelled {report.cancelled}, expired {report.expired}, reminded {report.reminded}, "
        f"e-mails sent {sent}"
    )
    return 0


def _reviewer(args: argparse.Namespace) -> int:
    from portal.clock import utcnow
    from portal.db import session_scope
    from portal.reviewers import make_reviewer
    from portal.state import build_portal
    from verifier.norway.national_id import NationalIdError

    national_id = sys.stdin.readline().strip().replace(" ", "")
    portal = build_portal(settings_from_env(args.data_dir))
    try:
        with session_scope(portal.sessions) as session:
            user = make_reviewer(session, national_id, args.name, args.email, utcnow())
            user_id = user.id
    except NationalIdError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    finally:
        portal.engine.dispose()
    print(f"reviewer account {user_id}: {args.name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    parser = argparse.ArgumentParser(prog="hmsverify-portal")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
