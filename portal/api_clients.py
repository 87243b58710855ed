"""API clients of a company: made and revoked by its owner in the portal, each with the scopes
it may ask for and, optionally, a webhook URL. The secret is shown once; only its SHA-256 is
kept. The webhook signing key is kept readable (signing needs it) and shown to the owner."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from portal.models import ApiClient, Company, User
from portal.settings import PortalSettings

# Level 1 reads cards; level 2 runs the ordering flow. (nb, en) descriptions for the page.
SCOPES: dict[str, tuple[str, str]] = {
    "cards:read": (
        "Nivå 1: slå opp kort (status, gyldighet, virksomhet)",
        "Level 1: look up cards (status, validity, company)",
    ),
    "employees:write": ("Nivå 2: legge til ansatte", "Level 2: add employees"),
    "orders:write": (
        "Nivå 2: bestille, kansellere, sperre kort",
        "Level 2: order, cancel, block cards",
    ),
    "uploads:write": (
        "Nivå 2: laste opp portrett og ID-dokument",
        "Level 2: upload portraits and ID documents",
    ),
    "orders:read": (
        "Nivå 2: lese bestillinger, vurderinger og hendelser",
        "Level 2: read orders, verdicts and events",
    ),
}


class ClientRefused(Exception):
    """A client or webhook the owner asked for cannot be made; the reason in both languages."""

    def __init__(self, message_nb: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message = (message_nb, message_en)


@dataclass(frozen=True)
class NewClient:
    client: ApiClient
    secret: str  # shown once


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(client: ApiClient, secret: str) -> bool:
    return hmac.compare_digest(client.secret_hash, secret_digest(secret))


def create_client(
    session: Session,
    company: Company,
    creator: User,
    *,
    name: str,
    scopes: list[str],
    now: dt.datetime,
) -> NewClient:
    label = " ".join(name.split())
    if not label:
        raise ClientRefused("Gi klienten et navn.", "Give the client a name.")
    chosen = sorted(set(scopes))
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown or not chosen:
        raise ClientRefused("Velg minst én gyldig tilgang.", "Choose at least one valid scope.")
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        company_id=company.id,
        client_id=f"hms_{secrets.token_urlsafe(12)}",
        secret_hash=secret_digest(secret),
        name=label[:100],
        scopes=" ".join(chosen),
        created_by=creator.id,
        created_at=now,
    )
    session.add(client)
    session.commit()
    return NewClient(client, secret)


def revoke_client(session: Session, client: ApiClient, now: dt.datetime) -> None:
    """The client's tokens stop working at once (token checks look at the client), and its
    pending webhook deliveries are not sent."""
    if client.revoked_at is None:
        client.revoked_at = now
        session.commit()


def check_webhook_url(url: str, settings: PortalSettings) -> str:
    cleaned = url.strip()
    parts = urlsplit(cleaned)
    allowed = ("https", "http") if settings.webhook_allow_http else ("https",)
    if parts.scheme not in allowed or not parts.hostname or len(cleaned) > 500:
        raise ClientRefused(
            "Webhook-adressen må være en https-adresse.", "The webhook URL must be an https URL."
        )
    if parts.username or parts.password:
        raise ClientRefused(
            "Webhook-adressen kan ikke inneholde brukernavn eller passord.",
            "The webhook URL cannot carry a user name or password.",
        )
    return cleaned


def set_webhook(
    session: Session, client: ApiClient, url: str | None, settings: PortalSettings
) -> str | None:
    """Registers (or, with no URL, removes) the client's webhook; a new URL gets a new signing
    key, which is returned. Events already queued keep the URL they were made for."""
    if not url:
        client.webhook_url = None
        client.webhook_secret = None
        session.commit()
        return None
    client.webhook_url = check_webhook_url(url, settings)
    client.webhook_secret = f"whsec_{secrets.token_urlsafe(32)}"
    session.commit()
    return client.webhook_secret
