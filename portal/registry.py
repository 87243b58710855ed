"""Registry checks an order must pass before a card is made.

Production asks Folkeregisteret, NAV's Aa-register, Enhetsregisteret, the VAT register / the
self-approval register and Arbeidstilsynet's cleaning-company register. Here one interface and
a seeded demo adapter stand in for them (the machine cannot reach the real services).

The adapter seam: the setting ``HMSVERIFY_REGISTRY`` is ``demo`` (the default, `DemoRegistry`)
or ``package.module:factory``, a callable that takes the request's SQLAlchemy `Session` and
returns an object with `check(RegistryQuery) -> list[RegistryCheck]` (`RegistryAdapter`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Industry, RegistryRecord


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


class RegistryAdapter(Protocol):
    def check(self, query: RegistryQuery) -> list[RegistryCheck]: ...


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
