"""A company's employees as the orderer registers them (by national id or D-number)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from portal.lifecycle import Context
from portal.models import Company, Employee, name_key
from portal.registry import Register, RegistryCheck, RegistryQuery, missing
from verifier.norway.national_id import NationalIdError, parse_norwegian_id


class EmployeeRefused(Exception):
    """The employee cannot be added; carries the reason in both languages."""

    def __init__(self, message_nb: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message = (message_nb, message_en)


def add_employee(
    ctx: Context,
    company: Company,
    *,
    national_id: str,
    given_names: str,
    surname: str,
    email: str,
) -> Employee:
    """Validates the number and the names, and adds the person to the company (committed)."""
    try:
        parsed = parse_norwegian_id(national_id)
    except NationalIdError as exc:
        raise EmployeeRefused(exc.message_nb, exc.message_en) from exc
    given = " ".join(given_names.split())
    family = " ".join(surname.split())
    if not given or not family:
        raise EmployeeRefused(
            "Fornavn og etternavn må fylles ut.", "Given names and surname are required."
        )
    not_registered = [
        c
        for c in missing(
            ctx.registry.check(RegistryQuery(parsed.number, company.org_number, company.industry))
        )
        if c.register is Register.NATIONAL
    ]
    if not_registered:
        # A number no one holds is a typo or a person who still needs a D-number: say so now,
        # not after the employee has uploaded everything.
        raise EmployeeRefused(not_registered[0].message_nb, not_registered[0].message_en)
    employee = Employee(
        company_id=company.id,
        national_id=parsed.number,
        given_names=given,
        surname=family,
        name_key=name_key(given, family),
        email=email.strip() or None,
        created_at=ctx.now,
    )
    ctx.session.add(employee)
    try:
        ctx.session.commit()
    except IntegrityError as exc:
        ctx.session.rollback()
        raise EmployeeRefused(
            "Personen er allerede registrert som ansatt i virksomheten.",
            "This person is already registered as an employee of the company.",
        ) from exc
    return employee


def registry_status(ctx: Context, employee: Employee) -> list[RegistryCheck]:
    """Every registry check for the employee and their company, as an order would run them."""
    company = employee.company
    return ctx.registry.check(
        RegistryQuery(employee.national_id, company.org_number, company.industry)
    )
