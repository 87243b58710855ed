"""Demo data: two companies, an orderer with roles in both, a reviewer, employees that the
seeded demo registry knows. Idempotent: running it on a seeded database changes nothing."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.models import Company, CompanyRole, Delegation, Employee, Industry, User, name_key
from portal.registry import GENERAL_MANAGER, BusinessUnit, seed_registry, seed_unit
from portal.security import hash_password
from verifier.norway.national_id import control_digits
from verifier.norway.org_number import org_control_digit

DEMO_PASSWORD = "demo-passord-1"
ORDERER_EMAIL = "ola.bestiller@example.no"
REVIEWER_EMAIL = "kari.kontroll@example.no"
DELEGATE_EMAIL = "siri.delegert@example.no"

_FIRST = [
    "Ola",
    "Kari",
    "Per",
    "Anne",
    "Jonas",
    "Ingrid",
    "Ahmed",
    "Maria",
    "Piotr",
    "Aisha",
    "Lars",
    "Nina",
    "Tomas",
    "Sofie",
    "Jan",
    "Eva",
    "Marius",
    "Hanne",
    "Oskar",
    "Leila",
]
_LAST = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Nowak",
    "Kowalski",
    "Berg",
    "Haugen",
    "Hagen",
    "Ali",
    "Eriksen",
]


def make_national_id(birth: dt.date, individual: int, *, d_number: bool = False) -> str | None:
    """A fødselsnummer (or D-number) with correct control digits, or None if none exists."""
    day = birth.day + (40 if d_number else 0)
    first_nine = f"{day:02d}{birth.month:02d}{birth.year % 100:02d}{individual:03d}"
    digits = control_digits(first_nine)
    if digits is None:
        return None
    return f"{first_nine}{digits[0]}{digits[1]}"


def national_ids(count: int, seed: int = 7) -> list[str]:
    """`count` distinct valid numbers of people born 1960-2004 (individual numbers 000-499)."""
    rng = random.Random(seed)
    found: set[str] = set()
    result: list[str] = []
    while len(result) < count:
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 16_400))
        number = make_national_id(birth, rng.randrange(0, 500), d_number=rng.random() < 0.15)
        if number and number not in found:
            found.add(number)
            result.append(number)
    return result


def make_org_number(first_eight: str) -> str:
    digit = org_control_digit(first_eight)
    if digit is None:
        raise ValueError("no control digit for these eight digits")
    return first_eight + str(digit)


def person_names(count: int, seed: int = 11) -> list[tuple[str, str]]:
    """(given names, surname) pairs."""
    rng = random.Random(seed)
    return [(rng.choice(_FIRST), rng.choice(_LAST)) for _ in range(count)]


@dataclass(frozen=True)
class DemoLogins:
    orderer: str
    reviewer: str
    password: str
    delegate: str = DELEGATE_EMAIL


def add_company(
    session: Session, name: str, org_number: str, industry: str, contact: str
) -> Company:
    company = Company(org_number=org_number, name=name, industry=industry, contact_email=contact)
    session.add(company)
    session.flush()
    return company


def add_user(
    session: Session,
    email: str,
    name: str,
    password: str,
    *,
    reviewer: bool = False,
    password_hash: str | None = None,
) -> User:
    """`password_hash` lets callers reuse one hash (argon2 is slow on purpose)."""
    user = User(
        email=email,
        name=name,
        password_hash=password_hash or hash_password(password),
        is_reviewer=reviewer,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return user


def add_employees(
    session: Session, company: Company, ids: list[str], names: list[tuple[str, str]]
) -> None:
    now = utcnow()
    session.add_all(
        Employee(
            company_id=company.id,
            national_id=nid,
            given_names=given,
            surname=surname,
            name_key=name_key(given, surname),
            created_at=now,
        )
        for nid, (given, surname) in zip(ids, names, strict=True)
    )


def seed_demo(session: Session, *, employees: int = 25) -> DemoLogins:
    logins = DemoLogins(ORDERER_EMAIL, REVIEWER_EMAIL, DEMO_PASSWORD)
    if session.scalar(select(User.id).where(User.email == ORDERER_EMAIL)) is not None:
        return logins
    bygg = add_company(
        session,
        "Nordbygg Entreprenør AS",
        make_org_number("91234568"),
        Industry.CONSTRUCTION,
        "post@nordbygg.example.no",
    )
    renhold = add_company(
        session,
        "Blank Renhold AS",
        make_org_number("92345678"),
        Industry.CLEANING,
        "post@blankrenhold.example.no",
    )
    orderer = add_user(session, ORDERER_EMAIL, "Ola Bestiller", DEMO_PASSWORD)
    add_user(session, REVIEWER_EMAIL, "Kari Kontroll", DEMO_PASSWORD, reviewer=True)
    session.add_all([CompanyRole(user_id=orderer.id, company_id=c.id) for c in (bygg, renhold)])
    ids = national_ids(employees * 2)
    names = person_names(employees * 2)
    add_employees(session, bygg, ids[:employees], names[:employees])
    add_employees(session, renhold, ids[employees:], names[employees:])
    seed_registry(
        session, national_ids=ids[:employees], org_number=bygg.org_number, industry=bygg.industry
    )
    seed_registry(
        session,
        national_ids=ids[employees:],
        org_number=renhold.org_number,
        industry=renhold.industry,
    )
    # People the orderer may add by hand in the demo: in the national register, employed by both.
    spare = national_ids(5, seed=99)
    seed_registry(session, national_ids=spare, org_number=bygg.org_number, industry=bygg.industry)
    seed_registry(
        session, national_ids=spare, org_number=renhold.org_number, industry=renhold.industry
    )
    _seed_group(session, bygg, orderer)
    session.flush()
    return logins


def _seed_group(session: Session, bygg: Company, orderer: User) -> None:
    """Ola is general manager (DAGL) of Nordbygg in the registry, which has a sub-unit in
    Bergen; he has delegated Nordbygg and its sub-units to Siri, who holds no role."""
    ola_id, siri_id = national_ids(2, seed=2026)
    orderer.national_id = ola_id
    seed_unit(
        session,
        BusinessUnit(bygg.org_number, bygg.name, bygg.industry, email=bygg.contact_email),
        roles=[(ola_id, GENERAL_MANAGER, orderer.name)],
    )
    seed_unit(
        session,
        BusinessUnit(
            make_org_number("91234569"),
            f"{bygg.name} avd. Bergen",
            bygg.industry,
            parent_org_number=bygg.org_number,
            email="bergen@nordbygg.example.no",
        ),
    )
    siri = add_user(session, DELEGATE_EMAIL, "Siri Delegert", DEMO_PASSWORD)
    siri.national_id = siri_id
    session.add(
        Delegation(
            company_id=bygg.id,
            national_id=siri_id,
            name=siri.name,
            email=DELEGATE_EMAIL,
            covers_sub_units=True,
            granted_by=orderer.id,
            granted_at=utcnow(),
        )
    )


def spare_national_ids() -> list[str]:
    """Valid numbers the demo registry knows but no employee has yet (to add in the demo)."""
    return national_ids(5, seed=99)
