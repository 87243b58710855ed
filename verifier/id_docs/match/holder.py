"""Is the document holder the employee the card is ordered for?

Compares the MRZ with the employee record: the birth date encoded in the employee's
fødselsnummer or D-number, the surname and the given names (ICAO spelling, truncation allowed),
and the sex marker where both carry one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verifier.id_docs.match.names import NameMatch, compare_names, written_name
from verifier.id_docs.mrz.parse import MrzData
from verifier.norway.national_id import NationalIdError, NorwegianId, parse_norwegian_id
from verifier.verdict import RuleResult, Status


@dataclass(frozen=True)
class Employee:
    national_id: str  # fødselsnummer or D-number
    surname: str
    given_names: str

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Employee:
        missing = [k for k in ("national_id", "surname", "given_names") if not data.get(k)]
        if missing:
            raise ValueError(f"employee record lacks {', '.join(missing)}")
        return Employee(
            national_id=str(data["national_id"]),
            surname=str(data["surname"]),
            given_names=str(data["given_names"]),
        )

    def to_dict(self) -> dict[str, str]:
        return {
            "national_id": self.national_id,
            "surname": self.surname,
            "given_names": self.given_names,
        }


def _national_id_rule(employee: Employee) -> tuple[RuleResult, NorwegianId | None]:
    try:
        parsed = parse_norwegian_id(employee.national_id)
    except NationalIdError as exc:
        return (
            RuleResult(
                "employee_national_id",
                Status.FAIL,
                str(exc.code),
                "valid fødselsnummer or D-number",
                "Ansattens fødselsnummer/D-nummer er ugyldig: " + exc.message_nb,
                "The employee's national identity number is invalid: " + exc.message_en,
            ),
            None,
        )
    kind_en = "D-number" if parsed.kind == "d_number" else "fødselsnummer"
    kind_nb = "D-nummer" if parsed.kind == "d_number" else "fødselsnummer"
    return (
        RuleResult(
            "employee_national_id",
            Status.PASS,
            str(parsed.kind),
            "valid fødselsnummer or D-number",
            f"Ansattens {kind_nb} er gyldig.",
            f"The employee's {kind_en} is valid.",
        ),
        parsed,
    )


def _birth_date_rule(data: MrzData, person: NorwegianId) -> RuleResult:
    expected = person.birth_date.isoformat()
    if data.birth_date is None:
        return RuleResult(
            "holder_birth_date",
            Status.REVIEW,
            data.birth_date_raw,
            f"equal to {expected}",
            "Fødselsdatoen i dokumentet er ukjent eller uleselig; en saksbehandler sjekker den.",
            "The document's date of birth is unknown or unreadable; a reviewer checks it.",
        )
    found = data.birth_date.isoformat()
    if data.birth_date == person.birth_date:
        return RuleResult(
            "holder_birth_date",
            Status.PASS,
            found,
            f"equal to {expected}",
            "Fødselsdatoen stemmer med den ansattes fødselsnummer.",
            "The date of birth matches the employee's national identity number.",
        )
    return RuleResult(
        "holder_birth_date",
        Status.FAIL,
        found,
        f"equal to {expected}",
        f"Fødselsdatoen i dokumentet ({found}) er ikke den ansattes ({expected}).",
        f"The document's date of birth ({found}) is not the employee's ({expected}).",
    )


def _name_rule(data: MrzData, employee: Employee) -> RuleResult:
    result = compare_names(
        data.primary_identifier,
        data.secondary_identifier,
        employee.surname,
        employee.given_names,
        may_be_truncated=data.names_may_be_truncated,
    )
    threshold = "equal after ICAO transliteration, truncation allowed"
    # Messages name people as they write their names; the MRZ forms stay in the details.
    on_document = written_name(result.mrz_name)
    on_record = f"{employee.given_names} {employee.surname}"
    details: dict[str, float | str] = {"mrz_name": result.mrz_name, "record": result.record_name}
    if result.match in (NameMatch.EXACT, NameMatch.TRUNCATED):
        note_en = " (shortened in the MRZ)" if result.match is NameMatch.TRUNCATED else ""
        note_nb = " (forkortet i MRZ)" if result.match is NameMatch.TRUNCATED else ""
        return RuleResult(
            "holder_name",
            Status.PASS,
            str(result.match),
            threshold,
            f"Navnet stemmer med den ansatte{note_nb}.",
            f"The name matches the employee{note_en}.",
            details=details,
        )
    if result.match is NameMatch.PARTIAL:
        return RuleResult(
            "holder_name",
            Status.REVIEW,
            str(result.match),
            threshold,
            f"Etternavnet stemmer, men fornavnene er ulike: «{on_document}» i dokumentet, "
            f"«{on_record}» hos arbeidsgiveren. En saksbehandler sjekker.",
            f"The surname matches but the given names differ: “{on_document}” on the document, "
            f"“{on_record}” in the employer's record. A reviewer checks.",
            details=details,
        )
    return RuleResult(
        "holder_name",
        Status.FAIL,
        str(result.match),
        threshold,
        f"Navnet i dokumentet, «{on_document}», er ikke den ansattes, «{on_record}».",
        f"The name on the document, “{on_document}”, is not the employee's, “{on_record}”.",
        details=details,
    )


def _sex_rule(data: MrzData, person: NorwegianId) -> RuleResult | None:
    if data.sex not in ("M", "F"):
        return None
    if data.sex == person.sex:
        return RuleResult(
            "holder_sex",
            Status.PASS,
            data.sex,
            f"equal to {person.sex}",
            "Kjønn stemmer med fødselsnummeret.",
            "The sex marker matches the national identity number.",
        )
    # A legal change of gender gives a new number but the old one may still be on record.
    return RuleResult(
        "holder_sex",
        Status.REVIEW,
        data.sex,
        f"equal to {person.sex}",
        "Kjønn i dokumentet stemmer ikke med fødselsnummeret; en saksbehandler sjekker.",
        "The document's sex marker differs from the national identity number; a reviewer checks.",
    )


def holder_checks(data: MrzData, employee: Employee) -> list[RuleResult]:
    """The holder rules: the employee's number, birth date, names and sex marker."""
    id_rule, person = _national_id_rule(employee)
    results = [id_rule]
    if person is not None:
        results.append(_birth_date_rule(data, person))
    results.append(_name_rule(data, employee))
    if person is not None:
        sex_rule = _sex_rule(data, person)
        if sex_rule is not None:
            results.append(sex_rule)
    return results
