"""The portal's tables (SQLAlchemy 2). Migrations in portal/migrations mirror these."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from verifier import stored_results


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use portal.clock.utcnow()")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


class OrderStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    IN_PRODUCTION = "in_production"
    SHIPPED = "shipped"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class CardStatus(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    BLOCKED = "blocked"
    EXPIRED = "expired"


class UploadState(StrEnum):
    """Where one upload stands: checked by the verifier, then possibly by a reviewer."""

    QUEUED = "queued"
    PASS = "pass"
    REVIEW = "review"
    FAIL = "fail"
    APPROVED = "approved"  # a reviewer approved a `review` upload
    REJECTED = "rejected"  # a reviewer rejected it
    ERROR = "error"  # the check itself failed after its retries; goes to manual review


class Industry(StrEnum):
    CONSTRUCTION = "construction"
    CLEANING = "cleaning"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a person who only ever logged in through OpenID Connect without an address on file.
    email: Mapped[str | None] = mapped_column(String(254), unique=True, nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    # Empty for accounts that log in only through OpenID Connect (never matches a password).
    password_hash: Mapped[str] = mapped_column(String(200))
    # The `pid` claim of an OpenID Connect login (ID-porten). Never in URLs or logs.
    national_id: Mapped[str | None] = mapped_column(String(11), unique=True, nullable=True)
    is_reviewer: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())

    roles: Mapped[list[CompanyRole]] = relationship(back_populates="user")


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_number: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str] = mapped_column(String(20), default=Industry.CONSTRUCTION)
    contact_email: Mapped[str] = mapped_column(String(254))


class CompanyRole(Base):
    """A right to act for one company granted in the portal itself (the local demo accounts).
    Registry roles and delegations give the same right (portal/delegation.py)."""

    __tablename__ = "company_roles"
    __table_args__ = (UniqueConstraint("user_id", "company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))

    user: Mapped[User] = relationship(back_populates="roles")
    company: Mapped[Company] = relationship()


class Employee(Base):
    __tablename__ = "employees"
    __table_args__ = (
        UniqueConstraint("company_id", "national_id"),
        Index("ix_employees_company_name", "company_id", "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    # Fødselsnummer or D-number. Never put in URLs or logs; shown masked.
    national_id: Mapped[str] = mapped_column(String(11))
    given_names: Mapped[str] = mapped_column(String(200))
    surname: Mapped[str] = mapped_column(String(200))
    # Lower-cased full name for search and ordering (portable across SQLite and PostgreSQL).
    name_key: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    left_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())

    company: Mapped[Company] = relationship()

    @property
    def name(self) -> str:
        return f"{self.given_names} {self.surname}"


def name_key(given_names: str, surname: str) -> str:
    return f"{given_names} {surname}".lower()


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), index=True
    )
    orderer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.PENDING)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    # The uploads that currently count for this order (latest accepted or latest tried).
    photo_upload_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    id_upload_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Why the order stands where it stands (reviewer's reason, registry failure, sweep).
    reason_nb: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    registry_result: Mapped[list[dict[str, str]] | None] = mapped_column(JSON, nullable=True)

    company: Mapped[Company] = relationship()
    employee: Mapped[Employee] = relationship()
    orderer: Mapped[User] = relationship()


class Upload(Base):
    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_state_created", "state", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random hex, not guessable
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # a verifier.queue.storage.UploadKind
    # File names under settings.files_dir (random, no extension the web server could serve).
    stored_name: Mapped[str] = mapped_column(String(64))
    annotated_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    crop_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source_format: Mapped[str] = mapped_column(String(10))
    size_bytes: Mapped[int] = mapped_column(Integer)
    religious_headgear: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default=UploadState.QUEUED)
    verdict: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    checked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    review_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    order: Mapped[Order] = relationship()

    @property
    def rule_results(self) -> list[dict[str, object]]:
        """The verdict's per-rule results, as the photo and the ID-document verdicts list them."""
        return stored_results(self.verdict or {})


class ShareLink(Base):
    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Only the SHA-256 of the token is stored: a database leak does not leak working links.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    order: Mapped[Order] = relationship()
    employee: Mapped[Employee] = relationship()


class Card(Base):
    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_number: Mapped[str] = mapped_column(String(20), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=CardStatus.VALID)
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    blocked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reminder_sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    order: Mapped[Order] = relationship()
    employee: Mapped[Employee] = relationship()
    company: Mapped[Company] = relationship()


def effective_card_status(card: Card, now: dt.datetime) -> CardStatus:
    """The card's status as anyone should see it: the sweep marks expiry, and between sweeps
    the expiry date still decides."""
    status = CardStatus(card.status)
    if status in (CardStatus.VALID, CardStatus.INVALID) and card.expires_at <= now:
        return CardStatus.EXPIRED
    return status


class OutboxEmail(Base):
    """Every e-mail is written here first, in the same transaction as the change it reports."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unsent", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # [{"filename": ..., "stored_name": ..., "content_type": ...}] under settings.files_dir
    attachments: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditEvent(Base):
    """One named life-cycle transition: who, when, what (no national ids in `detail`)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    transition: Mapped[str] = mapped_column(String(50))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), nullable=True, index=True
    )
    card_id: Mapped[int | None] = mapped_column(
        ForeignKey("cards.id", ondelete="CASCADE"), nullable=True
    )
    actor: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(Text, default="")
    delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id"), nullable=True, index=True
    )


class Delegation(Base):
    """One person's right, given by a role holder, to order for a company within dates.

    `covers_sub_units`: given by the general manager of a main unit, it reaches every sub-unit
    the registry lists under it. Never deleted: revoking sets `revoked_at` (the audit log and the
    overview keep it)."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    # The delegate's fødselsnummer or D-number. Never in URLs or logs; shown masked.
    national_id: Mapped[str] = mapped_column(String(11), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    # Calendar days in Norway, both inclusive; None is open-ended.
    valid_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    covers_sub_units: Mapped[bool] = mapped_column(Boolean, default=False)
    granted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    company: Mapped[Company] = relationship()
    granter: Mapped[User] = relationship(foreign_keys=[granted_by])
    revoker: Mapped[User | None] = relationship(foreign_keys=[revoked_by])


class RegistryRecord(Base):
    """The seeded demo registry's facts (person, employment, company registers)."""

    __tablename__ = "demo_registry"
    __table_args__ = (UniqueConstraint("register", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    register: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(40))


class RegistryUnit(Base):
    """The seeded demo registry's business units (Enhetsregisteret): a main unit has no parent;
    a sub-unit names its main unit."""

    __tablename__ = "demo_registry_units"

    org_number: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str] = mapped_column(String(20), default=Industry.CONSTRUCTION)
    parent_org_number: Mapped[str | None] = mapped_column(String(9), nullable=True, index=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)


class RegistryRole(Base):
    """The seeded demo registry's roles: who is general manager (DAGL), chair (LEDE), ... of a
    unit."""

    __tablename__ = "demo_registry_roles"
    __table_args__ = (UniqueConstraint("org_number", "national_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_number: Mapped[str] = mapped_column(String(9), index=True)
    national_id: Mapped[str] = mapped_column(String(11), index=True)
    role: Mapped[str] = mapped_column(String(10))
    holder_name: Mapped[str] = mapped_column(String(200))


class UploadVerdict(Base):
    """Every verdict the queue stored for an upload, one per policy version (rechecks add rows)."""

    __tablename__ = "upload_verdicts"

    upload_id: Mapped[str] = mapped_column(
        ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True
    )
    policy_version: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    verdict: Mapped[dict[str, object]] = mapped_column(JSON)
    queue_fault: Mapped[str | None] = mapped_column(Text, nullable=True)
    crop_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stored_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class CheckDelivery(Base):
    """How often one queue delivery of an upload was started (a crash loop shows here)."""

    __tablename__ = "check_deliveries"

    upload_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    delivery_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    starts: Mapped[int] = mapped_column(Integer, default=0)


# ---------------------------------------------------------------- the JSON API (docs/api.md)


class ApiClient(Base):
    """An OAuth2 client (client credentials) a company's owner made for its HR system.

    Only the SHA-256 of the secret is kept: the secret is 256 random bits, so a slow password
    hash would add nothing but latency to every token request."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    # The scopes this client may ask for, space-separated (e.g. "cards:read orders:read").
    scopes: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    webhook_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # The HMAC key webhook bodies are signed with. Kept readable: signing needs it.
    webhook_secret: Mapped[str | None] = mapped_column(String(100), nullable=True)

    company: Mapped[Company] = relationship()
    creator: Mapped[User] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class ApiToken(Base):
    """A short-lived bearer token issued by POST /api/v1/token (only its SHA-256 is stored)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    api_client_id: Mapped[int] = mapped_column(
        ForeignKey("api_clients.id", ondelete="CASCADE"), index=True
    )
    scopes: Mapped[str] = mapped_column(String(300))
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)

    client: Mapped[ApiClient] = relationship()


class IdempotencyKey(Base):
    """One order per (client, Idempotency-Key): a retried POST answers with the same order."""

    __tablename__ = "api_idempotency_keys"

    api_client_id: Mapped[int] = mapped_column(
        ForeignKey("api_clients.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    # SHA-256 of the request body: the same key with another body is refused, not replayed.
    request_digest: Mapped[str] = mapped_column(String(64))
    # Claimed (inserted) before the order is placed, so a concurrent retry waits on the key's
    # unique index and then replays; set in the same transaction.
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class ApiEvent(Base):
    """Something an API client may want to hear about (a verdict, an order or card changing
    state), written in the same transaction as the change. Polled at GET /api/v1/events and
    pushed to webhooks."""

    __tablename__ = "api_events"
    __table_args__ = (Index("ix_api_events_company_id", "company_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class WebhookState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # every retry failed; the event can still be polled


class WebhookDelivery(Base):
    """One event for one client's webhook URL: the delivery log the owner sees."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_state", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("api_events.id", ondelete="CASCADE"))
    api_client_id: Mapped[int] = mapped_column(
        ForeignKey("api_clients.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(12), default=WebhookState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    # When it was last handed to the queue (a pending one not handed over is sent again).
    enqueued_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    event: Mapped[ApiEvent] = relationship()
    client: Mapped[ApiClient] = relationship()


class WebSession(Base):
    """A login session kept on the server; the cookie holds only a random id, whose SHA-256 is
    the key here. Logout deletes the row, a password change deletes all of the user's rows."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
