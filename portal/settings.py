"""The portal's typed settings: every limit, lifetime and address in one place.

Values come from environment variables (prefix ``HMSVERIFY_``, plus ``DATABASE_URL``,
``REDIS_URL`` and ``SMTP_*``) so a deployment configures them without code changes.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

from verifier import default_policy

DEFAULT_DATA_DIR = Path("var/portal")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    sender: str = "hms-kort@example.no"
    timeout_s: float = 10.0


@dataclass(frozen=True)
class OidcSettings:
    """The OpenID Connect provider orderers and reviewers log in through (ID-porten in
    production). The person is the national id in `national_id_claim`."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid profile"
    # ID-porten: "idporten-loa-substantial" or "idporten-loa-high"; None asks for no level.
    acr_values: str | None = None
    # How the portal authenticates at the token endpoint: client_secret_basic or _post.
    token_auth_method: str = "client_secret_basic"
    national_id_claim: str = "pid"
    timeout_s: float = 10.0
    # A login started must come back within this many seconds.
    login_timeout_s: float = 600.0
    # Clock skew allowed when checking the ID token's times.
    leeway_s: int = 60


@dataclass(frozen=True)
class RateLimit:
    """At most `count` requests per `window_s` seconds per key (share link or client address)."""

    count: int
    window_s: float


@dataclass(frozen=True)
class PortalSettings:
    database_url: str
    data_dir: Path
    base_url: str = "http://127.0.0.1:8000"
    smtp: SmtpSettings | None = None
    # The session cookie is Secure (sent over HTTPS only), and HSTS is sent; `hmsverify demo`
    # (`make run`) turns it off for its plain http://127.0.0.1.
    secure_cookies: bool = True
    # Addresses of reverse proxies whose X-Forwarded-For / -Proto are believed. None by
    # default: the client address is the TCP peer's, so nobody can forge it.
    trusted_proxies: tuple[str, ...] = ()
    # The key the temporary cards' QR codes are signed with (portal/card_codes.py). It must
    # outlive restarts: printed cards carry codes made with it.
    card_code_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    share_link_days: int = 14
    # A share link keeps working this long after its order is finished, so the employee sees
    # the last verdict; then it shows only "this order is finished".
    share_link_grace_minutes: int = 30
    # An upload still unchecked after this long tells the employee the check is delayed (no
    # worker answering, broker down) instead of "a few seconds" forever.
    check_late_after_s: float = 60.0
    pending_order_days: int = 20
    card_valid_days: int = 730
    expiry_reminder_days: int = 30
    employees_page_size: int = 50
    upload_max_bytes: int = field(default_factory=lambda: default_policy().decode.max_bytes)
    # Stored portraits are re-encoded (EXIF removed) at most this long side, in pixels.
    stored_long_side: int = 2400
    share_upload_limit: RateLimit = RateLimit(count=20, window_s=600.0)
    status_lookup_limit: RateLimit = RateLimit(count=30, window_s=60.0)
    login_limit: RateLimit = RateLimit(count=10, window_s=300.0)
    # Background sweeps (stale orders, card expiry, reminders, outbox) run this often.
    sweep_interval_s: float = 60.0
    outbox_interval_s: float = 5.0
    outbox_max_attempts: int = 20
    start_background_jobs: bool = True
    # The registry adapter: "demo" or "package.module:factory" (see portal/registry.py).
    registry: str = "demo"
    # The JSON API (docs/api.md): bearer token lifetime, requests per client, token requests
    # per client address.
    api_token_ttl_s: int = 900
    api_rate_limit: RateLimit = RateLimit(count=600, window_s=60.0)
    api_token_limit: RateLimit = RateLimit(count=30, window_s=60.0)
    # Webhooks: plain http:// URLs allowed (the demo and tests on 127.0.0.1; never in
    # production), the receiver's time to answer, how often the dispatcher looks for deliveries
    # not yet queued, and when a queued one that never ran is queued again (a restart of the
    # embedded queue loses its messages; longer than the longest back-off).
    webhook_allow_http: bool = False
    # Webhooks to loopback or private addresses: development and tests only (SSRF otherwise).
    webhook_allow_private: bool = False
    webhook_timeout_s: float = 5.0
    webhook_dispatch_interval_s: float = 2.0
    webhook_requeue_after_s: float = 7200.0
    # Login through OpenID Connect (HMSVERIFY_OIDC_*); None offers the password login only.
    oidc: OidcSettings | None = None

    @property
    def oidc_redirect_uri(self) -> str:
        return f"{self.base_url.rstrip('/')}/login/oidc/callback"

    # The demo's outbox page (/outbox, reviewers only): read the e-mails the portal wrote.
    # `hmsverify demo` turns it on; never in production (the mails hold share links).
    demo_outbox: bool = False

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    def with_overrides(self, **changes: object) -> PortalSettings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _smtp_from_env() -> SmtpSettings | None:
    host = os.environ.get("SMTP_HOST")
    if not host:
        return None
    return SmtpSettings(
        host=host,
        port=int(os.environ.get("SMTP_PORT", "25")),
        username=os.environ.get("SMTP_USERNAME") or None,
        password=os.environ.get("SMTP_PASSWORD") or None,
        starttls=os.environ.get("SMTP_STARTTLS", "0") == "1",
        sender=os.environ.get("SMTP_SENDER", "hms-kort@example.no"),
    )


def _rate_limit_from_env(name: str, default: RateLimit) -> RateLimit:
    """ "COUNT/SECONDS", e.g. HMSVERIFY_API_RATE_LIMIT=600/60."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    count, _, window = raw.partition("/")
    try:
        return RateLimit(count=int(count), window_s=float(window or "60"))
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r}: expected COUNT/SECONDS") from exc


def _address_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


class SettingsError(ValueError):
    """An environment variable that the portal cannot start with."""


def _oidc_from_env() -> OidcSettings | None:
    issuer = os.environ.get("HMSVERIFY_OIDC_ISSUER")
    if not issuer:
        return None
    client_id = os.environ.get("HMSVERIFY_OIDC_CLIENT_ID")
    secret = os.environ.get("HMSVERIFY_OIDC_CLIENT_SECRET")
    if not client_id or not secret:
        raise SettingsError(
            "HMSVERIFY_OIDC_ISSUER is set: HMSVERIFY_OIDC_CLIENT_ID and "
            "HMSVERIFY_OIDC_CLIENT_SECRET are needed too"
        )
    auth_method = os.environ.get("HMSVERIFY_OIDC_TOKEN_AUTH_METHOD", "client_secret_basic")
    if auth_method not in ("client_secret_basic", "client_secret_post"):
        raise SettingsError(
            f"HMSVERIFY_OIDC_TOKEN_AUTH_METHOD={auth_method!r}: "
            "expected client_secret_basic or client_secret_post"
        )
    return OidcSettings(
        issuer=issuer,
        client_id=client_id,
        client_secret=secret,
        scopes=os.environ.get("HMSVERIFY_OIDC_SCOPES", "openid profile"),
        acr_values=os.environ.get("HMSVERIFY_OIDC_ACR_VALUES") or None,
        token_auth_method=auth_method,
    )


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _persistent_key(directory: Path) -> str:
    """The QR-code key kept beside the data when none is configured, so the cards printed by
    one run of the portal still verify after a restart."""
    path = directory / "card_code_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def settings_from_env(data_dir: Path | None = None) -> PortalSettings:
    directory = Path(os.environ.get("HMSVERIFY_DATA_DIR", data_dir or DEFAULT_DATA_DIR))
    directory.mkdir(parents=True, exist_ok=True)
    return PortalSettings(
        database_url=os.environ.get("DATABASE_URL") or sqlite_url(directory / "portal.sqlite3"),
        data_dir=directory,
        base_url=os.environ.get("HMSVERIFY_BASE_URL", "http://127.0.0.1:8000"),
        smtp=_smtp_from_env(),
        secure_cookies=os.environ.get("HMSVERIFY_SECURE_COOKIES", "1") != "0",
        trusted_proxies=_address_list(os.environ.get("HMSVERIFY_TRUSTED_PROXIES", "")),
        card_code_key=os.environ.get("HMSVERIFY_CARD_CODE_KEY") or _persistent_key(directory),
        registry=os.environ.get("HMSVERIFY_REGISTRY", "demo"),
        api_token_ttl_s=int(os.environ.get("HMSVERIFY_API_TOKEN_TTL_S", "900")),
        api_rate_limit=_rate_limit_from_env("HMSVERIFY_API_RATE_LIMIT", RateLimit(600, 60.0)),
        api_token_limit=_rate_limit_from_env("HMSVERIFY_API_TOKEN_LIMIT", RateLimit(30, 60.0)),
        webhook_allow_http=os.environ.get("HMSVERIFY_WEBHOOK_ALLOW_HTTP", "0") == "1",
        webhook_allow_private=os.environ.get("HMSVERIFY_WEBHOOK_ALLOW_PRIVATE", "0") == "1",
        oidc=_oidc_from_env(),
        demo_outbox=os.environ.get("HMSVERIFY_DEMO_OUTBOX", "0") == "1",
    )
