"""The portal's shared state: one `Portal` object (settings, database, files, limits, clock,
registry, templates) per app, and the builder that makes it.

A leaf of the portal's import graph: it imports settings, the database, files and models, never
a router, a service or `portal.app`. Routers and services receive a `Portal` (through
`portal.deps` or as an argument); `portal.app` builds the FastAPI app around it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context as JinjaContext
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from portal.clock import utcnow
from portal.db import make_engine, make_session_factory, upgrade_database
from portal.feedback import feedback_for
from portal.files import FileStore
from portal.models import Upload, UploadState, effective_card_status
from portal.oidc import OidcClient
from portal.registry import RegistryFactory, registry_factory
from portal.rule_labels import rule_label
from portal.security import RateLimiter, birth_date_of, mask_national_id
from portal.settings import PortalSettings
from verifier.queue import QueueHandle, QueueSettings, UploadKind, VerdictRecord

PACKAGE_DIR = Path(__file__).parent
# MediaPipe's browser runtime, installed by scripts/setup.sh (npm ci) beside the package.
TASKS_VISION_DIR = PACKAGE_DIR.parent / "node_modules" / "@mediapipe" / "tasks-vision"


def camera_available() -> bool:
    """The share page offers the in-page camera only when its runtime is installed."""
    return (TASKS_VISION_DIR / "vision_bundle.mjs").is_file()


@dataclass
class Portal:
    settings: PortalSettings
    engine: Engine
    sessions: sessionmaker[Session]
    files: FileStore
    templates: Jinja2Templates
    share_upload_limiter: RateLimiter
    status_limiter: RateLimiter
    login_limiter: RateLimiter
    # The JSON API: requests per client, token requests per client address.
    api_limiter: RateLimiter
    api_token_limiter: RateLimiter
    # The registry adapter for a unit of work (HMSVERIFY_REGISTRY picks it).
    registry: RegistryFactory
    # The one source of "now" for requests, the verdict hook and the sweep.
    clock: Callable[[], dt.datetime] = utcnow
    queue_settings: QueueSettings | None = None
    queue: QueueHandle | None = None
    verdict_hook: Callable[[VerdictRecord], None] | None = None
    queue_users: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    # Set after a commit that wrote webhook deliveries: wakes the webhook dispatcher.
    webhook_wake: threading.Event = field(default_factory=threading.Event)
    # The OpenID Connect client when HMSVERIFY_OIDC_ISSUER is set (portal/oidc.py).
    oidc: OidcClient | None = None


def build_portal(
    settings: PortalSettings, *, migrate: bool = True, queue_settings: QueueSettings | None = None
) -> Portal:
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade_database(engine)
    templates = make_templates(demo_outbox=settings.demo_outbox)
    templates.env.globals["oidc_login"] = settings.oidc is not None
    return Portal(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        files=FileStore(settings.files_dir),
        templates=templates,
        share_upload_limiter=RateLimiter(settings.share_upload_limit),
        status_limiter=RateLimiter(settings.status_lookup_limit),
        login_limiter=RateLimiter(settings.login_limit),
        api_limiter=RateLimiter(settings.api_rate_limit),
        api_token_limiter=RateLimiter(settings.api_token_limit),
        registry=registry_factory(settings.registry),
        queue_settings=queue_settings,
        oidc=None
        if settings.oidc is None
        else OidcClient(settings.oidc, settings.oidc_redirect_uri),
    )


# -- templates ------------------------------------------------------------------------------

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "pending": ("Venter", "Pending"),
    "approved": ("Godkjent", "Approved"),
    "in_production": ("I produksjon", "In production"),
    "shipped": ("Sendt", "Shipped"),
    "rejected": ("Avvist", "Rejected"),
    "cancelled": ("Kansellert", "Cancelled"),
    "valid": ("Gyldig", "Valid"),
    "invalid": ("Ugyldig", "Invalid"),
    "blocked": ("Sperret", "Blocked"),
    "expired": ("Utløpt", "Expired"),
    "queued": ("Kontrolleres", "Being checked"),
    "pass": ("Godkjent", "Accepted"),
    "review": ("Til manuell kontroll", "Sent to manual review"),
    "fail": ("Ikke godkjent", "Not accepted"),
    "error": ("Til manuell kontroll", "Sent to manual review"),
}


def status_label(status: str, lang: str = "nb") -> str:
    nb, en = STATUS_LABELS.get(str(status), (str(status), str(status)))
    return nb if lang == "nb" else en


def can_annotate(upload: Upload) -> bool:
    """A checked photo in which the verifier found a face to draw on."""
    if upload.kind != UploadKind.PHOTO or upload.state == UploadState.QUEUED or not upload.verdict:
        return False
    if upload.verdict.get("unreadable_code"):
        return False
    return not any(
        r.get("rule") == "face_present" and r.get("status") == "fail" for r in upload.rule_results
    )


@pass_context
def _translate(ctx: JinjaContext, nb: str, en: str) -> str:
    return nb if ctx.get("lang", "nb") == "nb" else en


OSLO = ZoneInfo("Europe/Oslo")


def oslo_time(moment: dt.datetime | None, with_seconds: bool = False) -> str:
    """A stored UTC time as Norwegians read it: Europe/Oslo, summer time included."""
    if moment is None:
        return "–"
    fmt = "%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M"
    return moment.astimezone(OSLO).strftime(fmt)


def make_templates(*, demo_outbox: bool = False) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(PACKAGE_DIR / "templates"))
    templates.env.filters["mask_id"] = mask_national_id
    templates.env.filters["birth_date"] = birth_date_of
    templates.env.filters["oslo"] = oslo_time
    templates.env.filters["oslo_date"] = lambda moment: oslo_time(moment)[:10]
    templates.env.globals["demo_outbox"] = demo_outbox
    templates.env.globals["status_label"] = status_label
    templates.env.globals["t"] = _translate
    templates.env.globals["can_annotate"] = can_annotate
    templates.env.globals["card_status"] = effective_card_status
    templates.env.globals["feedback_for"] = feedback_for
    templates.env.globals["rule_label"] = rule_label
    templates.env.globals["camera_available"] = camera_available
    return templates
