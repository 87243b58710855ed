"""Registry checks an order must pass before a card is made.

Production asks Folkeregisteret, NAV's Aa-register, Enhetsregisteret, the VAT register / the
self-approval register and Arbeidstilsynet's cleaning-company register. Here one interface and
a seeded demo adapter stand in for them (the machine cannot reach the real services).

The adapter seam: the setting ``HMSVERIFY_REGISTRY`` is ``demo`` (the default, `DemoRegistry`)
or ``package.module:factory``, a callable that takes the request's SQLAlchemy `Session` and
returns a `RegistryAdapter`: `check(RegistryQuery) -> list[RegistryCheck]` for orders, and
Enhetsregisteret's organisation facts for login and delegation: `unit(org_number)`,
`sub_units(org_number)` and `roles_of(national_id)`. The portal asks the organisation methods on
every request that needs the active company (a network adapter caches them briefly).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Industry, RegistryRecord, RegistryRole, RegistryUnit


class Register(StrEnum):
    NATIONAL = "national_register"
    EMPLOYMENT = "aa_register"
    BUSINESS = "business_register"
    VAT = "vat_register"
    SELF_APPROVAL = "self_approval"
    CLEANING = "cleaning_approval"


@dataclass(frozen=True)
class RegistryCheck:
    register: Register
    passed: bool
    message_nb: str
    message_en: str

    def to_dict(self) -> dict[str, str]:
        return {
            "register": str(self.register),
            "passed": "yes" if self.passed else "no",
            "message_nb": self.message_nb,
            "message_en": self.message_en,
        }


@dataclass(frozen=True)
class RegistryQuery:
    national_id: str
    org_number: str
    industry: str


@dataclass(frozen=True)
class BusinessUnit:
    """A unit in Enhetsregisteret: a main unit (`parent_org_number` None) or a sub-unit of one.

    A subsidiary is a main unit of its own (a separate company), never a sub-unit."""

    org_number: str
    name: str
    industry: str
    parent_org_number: str | None = None
    email: str | None = None

    @property
    def is_sub_unit(self) -> bool:
        return self.parent_org_number is not None


# Enhetsregisteret's role codes the portal names; any other code the registry lists also counts.
GENERAL_MANAGER = "DAGL"
ROLE_LABELS: dict[str, tuple[str, str]] = {
    GENERAL_MANAGER: ("daglig leder", "general manager"),
    "LEDE": ("styreleder", "chair of the board"),
    "NEST": ("nestleder", "deputy chair"),
    "MEDL": ("styremedlem", "board member"),
    "INNH": ("innehaver", "owner"),
    "DTPR": ("deltaker med delt ansvar", "partner, shared liability"),
    "DTSO": ("deltaker med fullt ansvar", "partner, full liability"),
    "KOMP": ("komplementar", "general partner"),
    "BEST": ("bestyrende reder", "managing owner"),
    "FFØR": ("forretningsfører", "business manager"),
}


@dataclass(frozen=True)
class RoleHolding:
    """One role a person holds in one unit, as the registry lists it."""

    org_number: str
    role: str
    holder_name: str


class RegistryAdapter(Protocol):
    def check(self, query: RegistryQuery) -> list[RegistryCheck]: ...

    def unit(self, org_number: str) -> BusinessUnit | None:
        """The unit with this organisation number, or None if the registry has none."""
        ...

    def sub_units(self, org_number: str) -> list[BusinessUnit]:
        """The sub-units registered under this main unit (none for a sub-unit)."""
        ...

    def roles_of(self, national_id: str) -> list[RoleHolding]:
        """Every role this person holds in any unit."""
        ...


# Makes the adapter for one unit of work (an adapter may read the same session).
RegistryFactory = Callable[[Session], RegistryAdapter]


_TEXT: dict[Register, tuple[tuple[str, str], tuple[str, str]]] = {
    Register.NATIONAL: (
        (
            "Personen finnes i Folkeregisteret.",
            "The person is in the National Population Register.",
        ),
        (
            "Personen finnes ikke i Folkeregisteret. Kontroller fødselsnummeret/D-nummeret. "
            "Har personen ikke norsk fødselsnummer, må hen ha D-nummer: det tildeles etter "
            "ID-kontroll hos Skatteetaten.",
            "The person is not in the National Population Register. Check the number. A person "
            "without a Norwegian national identity number needs a D-number, issued by the Tax "
            "Administration (Skatteetaten) after an identity check.",
        ),
    ),
    Register.EMPLOYMENT: (
        (
            "Arbeidsforholdet er meldt i Aa-registeret.",
            "The employment is reported to the Aa-register.",
        ),
        (
            "Arbeidsforholdet er ikke meldt i Aa-registeret. Meld det i a-meldingen (Altinn); "
            "det står i registeret innen et par dager. Bestill kortet etterpå.",
            "The employment is not in NAV's Aa-register. Report it in the a-melding (Altinn); "
            "it shows in the register within a couple of days. Order the card after that.",
        ),
    ),
    Register.BUSINESS: (
        (
            "Virksomheten er registrert i Enhetsregisteret.",
            "The company is in the Central Coordinating Register.",
        ),
        (
            "Virksomheten finnes ikke i Enhetsregisteret. Registrer den hos "
            "Brønnøysundregistrene (Altinn) før det bestilles HMS-kort.",
            "The company is not in the Central Coordinating Register. Register it with the "
            "Brønnøysund Register Centre (Altinn) before ordering HSE cards.",
        ),
    ),
    Register.VAT: (
        (
            "Virksomheten er i merverdiavgiftsregisteret eller egengodkjent.",
            "The company is VAT-registered or self-approved.",
        ),
        (
            "Virksomheten er verken i merverdiavgiftsregisteret eller egengodkjent. Registrer "
            "den i Merverdiavgiftsregisteret (Skatteetaten) eller søk egengodkjenning.",
            "The company is neither VAT-registered nor self-approved. Register it for VAT with "
            "the Tax Administration, or apply for self-approval.",
        ),
    ),
    Register.CLEANING: (
        ("Renholdsvirksomheten er godkjent.", "The cleaning company is approved."),
        (
            "Renholdsvirksomheten er ikke godkjent av Arbeidstilsynet. Søk godkjenning i "
            "Renholdsregisteret hos Arbeidstilsynet.",
            "The cleaning company is not approved by the Labour Inspection Authority. Apply for "
            "approval in its register of cleaning companies.",
        ),
    ),
}


def _result(register: Register, passed: bool) -> RegistryCheck:
    ok, bad = _TEXT[register]
    nb, en = ok if passed else bad
    return RegistryCheck(register, passed, nb, en)


class DemoRegistry:
    """Answers from the `demo_registry` table, which the demo data and the tests seed."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _has(self, register: Register, key: str) -> bool:
        row = self.session.scalar(
            select(RegistryRecord.id).where(
                RegistryRecord.register == str(register), RegistryRecord.key == key
            )
        )
        return row is not None

    def check(self, query: RegistryQuery) -> list[RegistryCheck]:
        results = [
            _result(Register.NATIONAL, self._has(Register.NATIONAL, query.national_id)),
            _result(
                Register.EMPLOYMENT,
                self._has(Register.EMPLOYMENT, f"{query.org_number}:{query.national_id}"),
            ),
            _result(Register.BUSINESS, self._has(Register.BUSINESS, query.org_number)),
            _result(
                Register.VAT,
                self._has(Register.VAT, query.org_number)
                or self._has(Register.SELF_APPROVAL, query.org_number),
            ),
        ]
        if query.industry == Industry.CLEANING:
            results.append(
                _result(Register.CLEANING, self._has(Register.CLEANING, query.org_number))
            )
        return results

    # -- Enhetsregisteret: units and roles ---------------------------------------------------

    @staticmethod
    def _unit_of(row: RegistryUnit) -> BusinessUnit:
        return BusinessUnit(
            org_number=row.org_number,
            name=row.name,
            industry=row.industry,
            parent_org_number=row.parent_org_number,
            email=row.email,
        )

    def unit(self, org_number: str) -> BusinessUnit | None:
        row = self.session.get(RegistryUnit, org_number)
        return None if row is None else self._unit_of(row)

    def sub_units(self, org_number: str) -> list[BusinessUnit]:
        rows = self.session.scalars(
            select(RegistryUnit)
            .where(RegistryUnit.parent_org_number == org_number)
            .order_by(RegistryUnit.name)
        )
        return [self._unit_of(row) for row in rows]

    def roles_of(self, national_id: str) -> list[RoleHolding]:
        rows = self.session.scalars(
            select(RegistryRole)
            .where(RegistryRole.national_id == national_id)
            .order_by(RegistryRole.org_number, RegistryRole.role)
        )
        return [RoleHolding(row.org_number, row.role, row.holder_name) for row in rows]


def missing(checks: list[RegistryCheck]) -> list[RegistryCheck]:
    """The checks that did not pass, in the order they were made."""
    return [c for c in checks if not c.passed]


class RegistrySettingError(ValueError):
    """HMSVERIFY_REGISTRY names no adapter factory; the portal refuses to start."""


def registry_factory(spec: str) -> RegistryFactory:
    """The adapter factory HMSVERIFY_REGISTRY names: ``demo`` or ``package.module:callable``."""
    if spec == "demo":
        return DemoRegistry
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise RegistrySettingError(
            f"HMSVERIFY_REGISTRY={spec!r}: expected 'demo' or 'package.module:factory'"
        )
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise RegistrySettingError(f"HMSVERIFY_REGISTRY={spec!r}: {exc}") from exc
    if not callable(factory):
        raise RegistrySettingError(f"HMSVERIFY_REGISTRY={spec!r} is not callable")
    result: RegistryFactory = factory
    return result


def seed_registry(
    session: Session, *, national_ids: list[str], org_number: str, industry: str
) -> None:
    """Registers people as employed by a company that passes every company check."""
    wanted = [(Register.BUSINESS, org_number), (Register.VAT, org_number)]
    if industry == Industry.CLEANING:
        wanted.append((Register.CLEANING, org_number))
    for nid in national_ids:
        wanted += [(Register.NATIONAL, nid), (Register.EMPLOYMENT, f"{org_number}:{nid}")]
    existing = {
        (r, k) for r, k in session.execute(select(RegistryRecord.register, RegistryRecord.key))
    }
    for register, key in wanted:
        if (str(register), key) not in existing:
            session.add(RegistryRecord(register=str(register), key=key))
            existing.add((str(register), key))


def seed_unit(
    session: Session,
    unit: BusinessUnit,
    *,
    roles: Sequence[tuple[str, str, str]] = (),
) -> None:
    """Registers a unit in the demo registry (and in the company registers it must pass) with
    its role holders as (national id, role code, name). Idempotent."""
    if session.get(RegistryUnit, unit.org_number) is None:
        session.add(
            RegistryUnit(
                org_number=unit.org_number,
                name=unit.name,
                industry=unit.industry,
                parent_org_number=unit.parent_org_number,
                email=unit.email,
            )
        )
    seed_registry(session, national_ids=[], org_number=unit.org_number, industry=unit.industry)
    for national_id, role, name in roles:
        exists = session.scalar(
            select(RegistryRole.id).where(
                RegistryRole.org_number == unit.org_number,
                RegistryRole.national_id == national_id,
                RegistryRole.role == role,
            )
        )
        if exists is None:
            session.add(
                RegistryRole(
                    org_number=unit.org_number, national_id=national_id, role=role, holder_name=name
                )
            )
    session.flush()
