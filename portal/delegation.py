"""Who may act for which company, and the delegations that extend it.

A person acts for a company when
- the registry lists a role of theirs (general manager, chair, board member, ...) in it, or in
  the main unit it is a sub-unit of (a sub-unit is part of the same legal person);
- a valid delegation names their national id for it; a delegation with `covers_sub_units`
  (only the general manager of a main unit may give one) also reaches every sub-unit the
  registry lists under that main unit, at the moment of the request. A subsidiary is a main unit
  of its own and needs its own delegation;
- the portal grants it (`CompanyRole`: local demo accounts).

Only role holders delegate; a delegate cannot pass the right on. Delegations are valid on the
calendar days in Norway from `valid_from` to `valid_until`, both inclusive. Granting and revoking
write an `audit_events` row naming the delegation (never the national id).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import AuditEvent, Company, Delegation, User
from portal.registry import GENERAL_MANAGER, BusinessUnit, RegistryAdapter
from verifier.norway.national_id import NationalIdError, parse_norwegian_id

NORWAY = ZoneInfo("Europe/Oslo")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def local_date(now: dt.datetime) -> dt.date:
    """The calendar day in Norway at `now` (delegation dates are Norwegian days)."""
    return now.astimezone(NORWAY).date()


@dataclass
class CompanyAccess:
    """Why a user may act for one company, and whether they may delegate for it."""

    company: Company
    # Registry role codes held in this unit or in its main unit.
    roles: set[str] = field(default_factory=set)
    # Valid delegations that reach this company (its own, or its main unit's group delegation).
    delegation_ids: set[int] = field(default_factory=set)
    granted_in_portal: bool = False
    # General manager of this main unit, which has sub-units: may delegate for the whole group.
    can_delegate_group: bool = False

    @property
    def can_delegate(self) -> bool:
        return bool(self.roles)


class DelegationStatus(StrEnum):
    ACTIVE = "active"
    SCHEDULED = "scheduled"
    EXPIRED = "expired"
    REVOKED = "revoked"


def delegation_status(delegation: Delegation, today: dt.date) -> DelegationStatus:
    if delegation.revoked_at is not None:
        return DelegationStatus.REVOKED
    if delegation.valid_from is not None and today < delegation.valid_from:
        return DelegationStatus.SCHEDULED
    if delegation.valid_until is not None and today > delegation.valid_until:
        return DelegationStatus.EXPIRED
    return DelegationStatus.ACTIVE


def ensure_company(session: Session, unit: BusinessUnit) -> Company:
    """The portal's row for a registry unit, made and committed on first sight (role holders
    need no setup). Call it before the request changes anything else: a race with another
    request storing the same unit rolls the session back."""
    company = session.scalar(select(Company).where(Company.org_number == unit.org_number))
    if company is not None:
        return company
    company = Company(
        org_number=unit.org_number,
        name=unit.name,
        industry=unit.industry,
        contact_email=unit.email or "",
    )
    session.add(company)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        company = session.scalar(select(Company).where(Company.org_number == unit.org_number))
        if company is None:
            raise
    return company


def _valid_delegations(session: Session, national_id: str, today: dt.date) -> list[Delegation]:
    return list(
        session.scalars(
            select(Delegation)
            .where(
                Delegation.national_id == national_id,
                Delegation.revoked_at.is_(None),
                or_(Delegation.valid_from.is_(None), Delegation.valid_from <= today),
                or_(Delegation.valid_until.is_(None), Delegation.valid_until >= today),
            )
            .order_by(Delegation.id)
        )
    )


def company_access(
    session: Session, registry: RegistryAdapter, user: User, now: dt.datetime
) -> list[CompanyAccess]:
    """Every company `user` may act for at `now`, by name. Companies the registry knows but the
    portal has not seen yet are stored on the way (`ensure_company`)."""
    found: dict[int, CompanyAccess] = {}

    def reach(company: Company) -> CompanyAccess:
        return found.setdefault(company.id, CompanyAccess(company))

    for role in user.roles:
        reach(role.company).granted_in_portal = True
    if user.national_id:
        for holding in registry.roles_of(user.national_id):
            unit = registry.unit(holding.org_number)
            if unit is None:
                continue
            reach(ensure_company(session, unit)).roles.add(holding.role)
            if unit.is_sub_unit:
                continue
            sub_units = registry.sub_units(unit.org_number)
            if holding.role == GENERAL_MANAGER and sub_units:
                reach(ensure_company(session, unit)).can_delegate_group = True
            for sub_unit in sub_units:
                reach(ensure_company(session, sub_unit)).roles.add(holding.role)
        for delegation in _valid_delegations(session, user.national_id, local_date(now)):
            reach(delegation.company).delegation_ids.add(delegation.id)
            if not delegation.covers_sub_units:
                continue
            for sub_unit in registry.sub_units(delegation.company.org_number):
                reach(ensure_company(session, sub_unit)).delegation_ids.add(delegation.id)
    return sorted(found.values(), key=lambda access: (access.company.name, access.company.id))


def has_any_access(
    session: Session, registry: RegistryAdapter, national_id: str, now: dt.datetime
) -> tuple[bool, str | None, str | None]:
    """Whether a person unknown to the portal holds a role or a valid delegation, with a name
    and an e-mail address to make their account from (the registry's or the delegation's)."""
    for holding in registry.roles_of(national_id):
        if registry.unit(holding.org_number) is not None:
            return True, holding.holder_name, None
    for delegation in _valid_delegations(session, national_id, local_date(now)):
        return True, delegation.name, delegation.email
    return False, None, None


def user_for_national_id(
    session: Session, registry: RegistryAdapter, national_id: str, now: dt.datetime
) -> User | None:
    """The portal account of the person an OpenID Connect login identified, made on their first
    login when they hold a role or a valid delegation; None for anyone else (no row is made)."""
    user = session.scalar(select(User).where(User.national_id == national_id))
    if user is not None:
        return user
    allowed, name, email = has_any_access(session, registry, national_id, now)
    if not allowed:
        return None
    # An address another account already uses is not taken over (accounts are never linked
    # by e-mail); mail then goes to the company's address.
    if email and session.scalar(select(User.id).where(func.lower(User.email) == email.lower())):
        email = None
    user = User(
        email=email,
        name=name or "",
        password_hash="",
        is_reviewer=False,
        national_id=national_id,
        created_at=now,
    )
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        # The same person's login in another tab stored the account first.
        session.rollback()
        user = session.scalar(select(User).where(User.national_id == national_id))
    return user


# -- delegation changes ---------------------------------------------------------------------


class DelegationError(ValueError):
    """A delegation form that cannot be saved; the messages say what to fix."""

    def __init__(self, field_name: str, nb: str, en: str) -> None:
        super().__init__(en)
        self.field_name = field_name
        self.nb = nb
        self.en = en


class NotAllowed(PermissionError):
    """The user holds no registry role for the company (delegates cannot delegate)."""


@dataclass(frozen=True)
class DelegationRequest:
    national_id: str
    name: str
    email: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    covers_sub_units: bool


def _audit(
    session: Session, now: dt.datetime, transition: str, actor: User, delegation: Delegation
) -> None:
    detail = (
        f"company {delegation.company.org_number}; "
        f"from {delegation.valid_from or '-'} until {delegation.valid_until or '-'}; "
        f"sub-units {'yes' if delegation.covers_sub_units else 'no'}"
    )
    session.add(
        AuditEvent(
            at=now,
            transition=transition,
            actor=f"user:{actor.id}",
            detail=detail,
            delegation_id=delegation.id,
        )
    )


def _validated(request: DelegationRequest, access: CompanyAccess, today: dt.date) -> None:
    try:
        parse_norwegian_id(request.national_id)
    except NationalIdError as exc:
        raise DelegationError(
            "national_id",
            "Fødselsnummeret eller D-nummeret er ikke gyldig.",
            "The national identity number or D-number is not valid.",
        ) from exc
    if not request.name.strip() or len(request.name) > 200:
        raise DelegationError("name", "Skriv inn navnet.", "Enter the name.")
    if len(request.email) > 254 or not _EMAIL.match(request.email):
        raise DelegationError(
            "email", "E-postadressen er ikke gyldig.", "The e-mail address is not valid."
        )
    if request.valid_from and request.valid_until and request.valid_from > request.valid_until:
        raise DelegationError(
            "valid_until",
            "Sluttdatoen er før startdatoen.",
            "The end date is before the start date.",
        )
    if request.valid_until and request.valid_until < today:
        raise DelegationError(
            "valid_until", "Sluttdatoen har passert.", "The end date has already passed."
        )
    if request.covers_sub_units and not access.can_delegate_group:
        raise DelegationError(
            "covers_sub_units",
            "Bare daglig leder i en hovedenhet med underenheter kan delegere for hele konsernet.",
            "Only the general manager of a main unit with sub-units can delegate for all of them.",
        )


def grant_delegation(
    session: Session,
    access: CompanyAccess,
    granter: User,
    request: DelegationRequest,
    now: dt.datetime,
) -> Delegation:
    if not access.can_delegate:
        raise NotAllowed
    _validated(request, access, local_date(now))
    delegation = Delegation(
        company_id=access.company.id,
        national_id=request.national_id,
        name=request.name.strip(),
        email=request.email.strip(),
        valid_from=request.valid_from,
        valid_until=request.valid_until,
        covers_sub_units=request.covers_sub_units,
        granted_by=granter.id,
        granted_at=now,
    )
    session.add(delegation)
    session.flush()
    session.refresh(delegation)
    _audit(session, now, "delegation_grant", granter, delegation)
    session.commit()
    return delegation


def revoke_delegation(
    session: Session, access: CompanyAccess, delegation: Delegation, revoker: User, now: dt.datetime
) -> None:
    if not access.can_delegate or delegation.company_id != access.company.id:
        raise NotAllowed
    if delegation.revoked_at is not None:
        raise DelegationError(
            "revoked", "Delegeringen er allerede trukket tilbake.", "Already revoked."
        )
    delegation.revoked_at = now
    delegation.revoked_by = revoker.id
    _audit(session, now, "delegation_revoke", revoker, delegation)
    session.commit()


def company_delegations(session: Session, company: Company) -> list[Delegation]:
    return list(
        session.scalars(
            select(Delegation)
            .where(Delegation.company_id == company.id)
            .order_by(Delegation.granted_at.desc(), Delegation.id.desc())
        )
    )


def group_delegations_reaching(
    session: Session, registry: RegistryAdapter, company: Company
) -> list[Delegation]:
    """The main unit's group delegations that reach this sub-unit (none for a main unit)."""
    unit = registry.unit(company.org_number)
    if unit is None or unit.parent_org_number is None:
        return []
    return list(
        session.scalars(
            select(Delegation)
            .join(Company, Company.id == Delegation.company_id)
            .where(
                Company.org_number == unit.parent_org_number,
                Delegation.covers_sub_units.is_(True),
            )
            .order_by(Delegation.granted_at.desc(), Delegation.id.desc())
        )
    )


def delegation_history(session: Session, delegation: Delegation) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.delegation_id == delegation.id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )
