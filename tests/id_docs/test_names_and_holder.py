"""ICAO name transliteration, truncation, and the holder match against an employee record."""

from __future__ import annotations

from datetime import date

import pytest

from tests.id_docs.support import first_valid_national_id, td1, td3
from verifier.id_docs.match.holder import Employee, holder_checks
from verifier.id_docs.match.names import NameMatch, compare_names, spellings, transliterate
from verifier.id_docs.mrz.parse import MrzData, parse_mrz
from verifier.verdict import Status

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("name", "mrz"),
    [
        ("Ærlig", "AERLIG"),
        ("Øyvind", "OEYVIND"),
        ("Åse", "AASE"),
        ("Bjørn-Åge", "BJOERN<AAGE"),
        ("Tor Erik", "TOR<ERIK"),
        ("O'Brien", "OBRIEN"),
        ("José María", "JOSE<MARIA"),
        ("Müller", "MUELLER"),
        ("Groß", "GROSS"),
        ("Łukasz", "LUKASZ"),
        ("Žaneta Čermáková", "ZANETA<CERMAKOVA"),
        ("Þórunn Guðmundsdóttir", "THORUNN<GUDMUNDSDOTTIR"),
        ("Ştefan Văduva", "STEFAN<VADUVA"),
        ("  anne  -  lise ", "ANNE<LISE"),
    ],
)
def test_transliteration(name: str, mrz: str) -> None:
    assert transliterate(name) == mrz


def test_spellings_cover_national_practice() -> None:
    assert {"MUELLER", "MULLER"} <= spellings("Müller")
    assert {"AASEN", "ASEN"} <= spellings("Åsen")
    assert {"OBRIEN", "O<BRIEN"} <= spellings("O'Brien")


def test_exact_match_in_any_spelling() -> None:
    result = compare_names("MULLER", "JORG", "Müller", "Jörg", may_be_truncated=False)
    assert result.match is NameMatch.EXACT
    assert result.record_name == "MUELLER<<JOERG"


def test_truncated_names_need_a_full_field() -> None:
    kwargs = {"surname": "Kristiansen", "given_names": "Maria Elisabeth"}
    full = compare_names("KRISTIANSEN", "MARIA ELISA", may_be_truncated=True, **kwargs)
    assert full.match is NameMatch.TRUNCATED
    initials = compare_names("KRISTIANSEN", "M E", may_be_truncated=True, **kwargs)
    assert initials.match is NameMatch.TRUNCATED
    not_full = compare_names("KRISTIANSEN", "MARIA ELISA", may_be_truncated=False, **kwargs)
    assert not_full.match is NameMatch.PARTIAL or not_full.match is NameMatch.MISMATCH
    assert not_full.match is not NameMatch.TRUNCATED


def test_surname_cut_short_with_no_room_for_given_names() -> None:
    result = compare_names(
        "WOLFESCHLEGELSTEINHAUSENBERGERDORFFVOR",
        "",
        "Wolfeschlegelsteinhausenbergerdorffvoralten",
        "Hubert",
        may_be_truncated=True,
    )
    assert result.match is NameMatch.TRUNCATED


def test_missing_middle_name_is_partial() -> None:
    result = compare_names("HANSEN", "OLA", "Hansen", "Ola Martin", may_be_truncated=False)
    assert result.match is NameMatch.PARTIAL


@pytest.mark.parametrize(
    ("primary", "secondary"),
    [("HANSEN", "KARI"), ("HANSON", "OLA"), ("OLA", "HANSEN"), ("", "")],
)
def test_mismatches(primary: str, secondary: str) -> None:
    result = compare_names(primary, secondary, "Hansen", "Ola", may_be_truncated=False)
    assert result.match is NameMatch.MISMATCH


def _mrz(lines: list[str]) -> MrzData:
    result = parse_mrz(lines, today=TODAY)
    assert result.valid, result.problems
    assert result.data is not None
    return result.data


BIRTH = date(1985, 5, 17)
FNR = first_valid_national_id(BIRTH, range(401, 500, 2))  # odd individual number: male
D_NUMBER = first_valid_national_id(BIRTH, range(401, 500, 2), day_offset=40)


def _statuses(data: MrzData, employee: Employee) -> dict[str, Status]:
    return {r.rule: r.status for r in holder_checks(data, employee)}


def test_holder_matches_with_norwegian_letters() -> None:
    data = _mrz(td3(surname="LIE<OEDEGAARD", given="BJOERN<AAGE", birth="850517", sex="M"))
    employee = Employee(FNR, "Lie-Ødegård", "Bjørn Åge")
    assert _statuses(data, employee) == {
        "employee_national_id": Status.PASS,
        "holder_birth_date": Status.PASS,
        "holder_name": Status.PASS,
        "holder_sex": Status.PASS,
    }


def test_holder_with_d_number_on_a_foreign_id_card() -> None:
    data = _mrz(
        td1(
            surname="KOWALSKI", given="JAN", state="POL", nationality="POL", birth="850517", sex="M"
        )
    )
    results = holder_checks(data, Employee(D_NUMBER, "Kowalski", "Jan"))
    assert all(r.status is Status.PASS for r in results), results
    assert results[0].value == "d_number"


def test_birth_date_mismatch_fails() -> None:
    data = _mrz(td3(birth="850518"))
    statuses = _statuses(data, Employee(FNR, "Hansen", "Ola"))
    assert statuses["holder_birth_date"] is Status.FAIL


def test_unknown_birth_date_goes_to_review() -> None:
    data = _mrz(td3(birth="85<<<<"))
    statuses = _statuses(data, Employee(FNR, "Hansen", "Ola"))
    assert statuses["holder_birth_date"] is Status.REVIEW


def test_other_persons_name_fails_and_middle_name_reviews() -> None:
    data = _mrz(td3(surname="HANSEN", given="OLA", birth="850517"))
    assert _statuses(data, Employee(FNR, "Olsen", "Ola"))["holder_name"] is Status.FAIL
    assert _statuses(data, Employee(FNR, "Hansen", "Ola Martin"))["holder_name"] is Status.REVIEW


def test_truncated_mrz_name_passes() -> None:
    surname = "Wolfeschlegelsteinhausenberger"
    data = _mrz(td3(surname=transliterate(surname), given="HUBERT<BLAINE", birth="850517"))
    assert data.names_may_be_truncated
    result = next(
        r
        for r in holder_checks(data, Employee(FNR, surname, "Hubert Blaine"))
        if r.rule == "holder_name"
    )
    assert result.status is Status.PASS
    assert result.value == "truncated"


def test_invalid_employee_number_fails_with_reason() -> None:
    h_number = first_valid_national_id(BIRTH, range(401, 500), month_offset=40)
    data = _mrz(td3(birth="850517"))
    results = holder_checks(data, Employee(h_number, "Hansen", "Ola"))
    assert results[0].rule == "employee_national_id"
    assert results[0].status is Status.FAIL
    assert "H-number" in results[0].message_en
    assert "holder_birth_date" not in {r.rule for r in results}


def test_sex_marker_mismatch_reviews() -> None:
    data = _mrz(td3(birth="850517", sex="F"))
    assert _statuses(data, Employee(FNR, "Hansen", "Ola"))["holder_sex"] is Status.REVIEW
    unspecified = _mrz(td3(birth="850517", sex="<"))
    assert "holder_sex" not in _statuses(unspecified, Employee(FNR, "Hansen", "Ola"))


def test_employee_from_dict() -> None:
    employee = Employee.from_dict({"national_id": FNR, "surname": "Hansen", "given_names": "Ola"})
    assert Employee.from_dict(employee.to_dict()) == employee
    with pytest.raises(ValueError, match="surname"):
        Employee.from_dict({"national_id": FNR, "given_names": "Ola"})
