"""ICAO Doc 9303 MRZ parsing: the ICAO specimens, every check digit, every format's edge cases."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date

import pytest

from tests.id_docs.support import (
    ICAO_MRVA,
    ICAO_MRVB,
    ICAO_TD1,
    ICAO_TD2,
    ICAO_TD3,
    check_digit,
    td1,
    td2,
    td3,
)
from verifier.id_docs.mrz.layout import layout_for
from verifier.id_docs.mrz.parse import (
    MrzData,
    MrzFormat,
    ProblemKind,
    detect_format,
    parse_mrz,
)

TODAY = date(2026, 6, 1)

Position = tuple[int, int]  # (line, 0-based column)


def _span(line: int, start: int, stop: int) -> list[Position]:
    return [(line, i) for i in range(start, stop)]


# Which positions each check digit covers, and where the digit stands (Doc 9303 Parts 4-7).
_TWO_LINE_BASIC: dict[str, tuple[list[Position], Position]] = {
    "document_number": (_span(1, 0, 9), (1, 9)),
    "birth_date": (_span(1, 13, 19), (1, 19)),
    "expiry_date": (_span(1, 21, 27), (1, 27)),
}
COVERAGE: dict[MrzFormat, dict[str, tuple[list[Position], Position]]] = {
    MrzFormat.TD3: {
        **_TWO_LINE_BASIC,
        "optional_data": (_span(1, 28, 42), (1, 42)),
        "composite": (_span(1, 0, 10) + _span(1, 13, 20) + _span(1, 21, 43), (1, 43)),
    },
    MrzFormat.TD2: {
        **_TWO_LINE_BASIC,
        "composite": (_span(1, 0, 10) + _span(1, 13, 20) + _span(1, 21, 35), (1, 35)),
    },
    MrzFormat.TD1: {
        "document_number": (_span(0, 5, 14), (0, 14)),
        "birth_date": (_span(1, 0, 6), (1, 6)),
        "expiry_date": (_span(1, 8, 14), (1, 14)),
        "composite": (
            _span(0, 5, 30) + _span(1, 0, 7) + _span(1, 8, 15) + _span(1, 18, 29),
            (1, 29),
        ),
    },
    MrzFormat.MRVA: dict(_TWO_LINE_BASIC),
    MrzFormat.MRVB: dict(_TWO_LINE_BASIC),
}

SPECIMENS = {
    MrzFormat.TD3: ICAO_TD3,
    MrzFormat.TD1: ICAO_TD1,
    MrzFormat.TD2: ICAO_TD2,
    MrzFormat.MRVA: ICAO_MRVA,
    MrzFormat.MRVB: ICAO_MRVB,
}


def test_icao_td3_specimen() -> None:
    result = parse_mrz(ICAO_TD3, today=TODAY)
    assert result.valid, result.problems
    data = result.data
    assert data is not None
    assert data.doc_format is MrzFormat.TD3
    assert data.document_code == "P"
    assert data.issuing_state == "UTO"
    assert data.primary_identifier == "ERIKSSON"
    assert data.secondary_identifier == "ANNA MARIA"
    assert data.document_number == "L898902C3"
    assert data.nationality == "UTO"
    assert data.birth_date == date(1974, 8, 12)
    assert data.sex == "F"
    assert data.expiry_date == date(2012, 4, 15)
    assert data.optional_data == "ZE184226B"
    assert data.is_specimen
    assert not data.names_may_be_truncated
    assert data.check_digits == {
        "document_number": True,
        "birth_date": True,
        "expiry_date": True,
        "optional_data": True,
        "composite": True,
    }


def test_icao_td1_specimen() -> None:
    result = parse_mrz(ICAO_TD1, today=TODAY)
    assert result.valid, result.problems
    data = result.data
    assert data is not None
    assert data.doc_format is MrzFormat.TD1
    assert (data.document_code, data.issuing_state, data.nationality) == ("I", "UTO", "UTO")
    assert data.document_number == "D23145890"
    assert (data.primary_identifier, data.secondary_identifier) == ("ERIKSSON", "ANNA MARIA")
    assert data.birth_date == date(1974, 8, 12)
    assert data.expiry_date == date(2012, 4, 15)
    assert set(data.check_digits) == {"document_number", "birth_date", "expiry_date", "composite"}


def test_icao_td2_specimen() -> None:
    result = parse_mrz(ICAO_TD2, today=TODAY)
    assert result.valid, result.problems
    data = result.data
    assert data is not None
    assert data.doc_format is MrzFormat.TD2
    assert data.document_number == "D23145890"
    assert data.secondary_identifier == "ANNA MARIA"
    assert set(data.check_digits) == {"document_number", "birth_date", "expiry_date", "composite"}


@pytest.mark.parametrize(
    ("lines", "fmt"), [(ICAO_MRVA, MrzFormat.MRVA), (ICAO_MRVB, MrzFormat.MRVB)]
)
def test_icao_visa_specimens_have_no_composite(lines: list[str], fmt: MrzFormat) -> None:
    result = parse_mrz(lines, today=TODAY)
    assert result.valid, result.problems
    data = result.data
    assert data is not None
    assert data.doc_format is fmt
    assert data.is_visa
    assert data.document_number == "L8988901C"
    assert data.nationality == "XXX"
    assert data.birth_date == date(1940, 9, 7)
    assert data.expiry_date == date(1996, 12, 10)
    assert set(data.check_digits) == {"document_number", "birth_date", "expiry_date"}
    if fmt is MrzFormat.MRVA:
        assert data.optional_data == "6ZE184226B"


def _digit_corruptions(lines: list[str]) -> Iterator[tuple[Position, list[str]]]:
    for row, line in enumerate(lines):
        for col, char in enumerate(line):
            if char.isdigit():
                for replacement in "0123456789":
                    if replacement != char:
                        corrupted = list(lines)
                        corrupted[row] = line[:col] + replacement + line[col + 1 :]
                        yield (row, col), corrupted


@pytest.mark.parametrize("fmt", list(SPECIMENS))
def test_every_single_digit_corruption_fails_exactly_the_covering_checks(fmt: MrzFormat) -> None:
    coverage = COVERAGE[fmt]
    tried = 0
    for position, corrupted in _digit_corruptions(SPECIMENS[fmt]):
        expected = {
            name
            for name, (covered, digit_at) in coverage.items()
            if position in covered or position == digit_at
        }
        result = parse_mrz(corrupted, today=TODAY)
        assert set(result.failed_check_digits) == expected, (position, corrupted)
        if expected:
            assert not result.valid
        tried += 1
    assert tried > 150


@pytest.mark.parametrize("fmt", list(SPECIMENS))
def test_every_check_digit_name_is_reported(fmt: MrzFormat) -> None:
    for name, (_, (row, col)) in COVERAGE[fmt].items():
        lines = list(SPECIMENS[fmt])
        original = lines[row][col]
        wrong = str((int(original) + 1) % 10) if original.isdigit() else "1"
        lines[row] = lines[row][:col] + wrong + lines[row][col + 1 :]
        result = parse_mrz(lines, today=TODAY)
        assert name in result.failed_check_digits
        problem = next(p for p in result.problems if p.field == name)
        assert problem.kind is ProblemKind.CHECK_DIGIT
        assert problem.message_en and problem.message_nb


def test_built_documents_of_every_format_validate() -> None:
    for lines in (
        td3(),
        td3(personal="12345678901"),
        td1(),
        td1(optional1="X1", optional2="OPT2"),
        td2(),
    ):
        result = parse_mrz(lines, today=TODAY)
        assert result.valid, (lines, result.problems)


def test_td3_personal_number_check_digit_may_be_filler_when_empty() -> None:
    lines = td3(personal="")
    assert lines[1][42] == "<"
    assert parse_mrz(lines, today=TODAY).valid


def test_td1_long_document_number_overflows_into_optional_data() -> None:
    # Doc 9303 Part 5: a 12-character number, `<` in the check-digit position, the rest of the
    # number and its check digit opening the optional data.
    lines = td1(number="D23145890734", optional1="")
    assert lines[0] == "IDNORD23145890<7349<<<<<<<<<<<"
    result = parse_mrz(lines, today=TODAY)
    assert result.valid, result.problems
    assert result.data is not None
    assert result.data.document_number == "D23145890734"
    assert result.data.optional_data == ""


def test_td1_long_document_number_with_wrong_check_digit_fails() -> None:
    lines = td1(number="D23145890734")
    lines[0] = lines[0][:18] + "8" + lines[0][19:]  # 9 -> 8
    result = parse_mrz(lines, today=TODAY)
    assert "document_number" in result.failed_check_digits


def test_td2_long_document_number_overflows_into_optional_data() -> None:
    lines = td2(number="X1234567890")
    result = parse_mrz(lines, today=TODAY)
    assert result.valid, result.problems
    assert result.data is not None
    assert result.data.document_number == "X1234567890"


def test_td1_optional_data_is_kept() -> None:
    result = parse_mrz(td1(optional1="12345678901", optional2="ABC"), today=TODAY)
    assert result.data is not None
    assert result.data.optional_data == "12345678901"
    assert result.data.optional_data_2 == "ABC"


def test_germany_one_letter_code_and_padding() -> None:
    lines = td1(state="D<<", nationality="D<<", code="ID")
    result = parse_mrz(lines, today=TODAY)
    assert result.valid, result.problems
    assert result.data is not None
    assert (result.data.issuing_state, result.data.nationality) == ("D", "D")


@pytest.mark.parametrize(
    ("lines", "fmt"),
    [
        (ICAO_TD1, MrzFormat.TD1),
        (ICAO_TD2, MrzFormat.TD2),
        (ICAO_TD3, MrzFormat.TD3),
        (ICAO_MRVA, MrzFormat.MRVA),
        (ICAO_MRVB, MrzFormat.MRVB),
        (["A" * 30, "B" * 30], None),
        (["A" * 44, "B" * 43], None),
        ([], None),
    ],
)
def test_detect_format(lines: list[str], fmt: MrzFormat | None) -> None:
    assert detect_format(lines) == fmt


def test_wrong_shape_is_a_problem_not_an_exception() -> None:
    result = parse_mrz(["P<UTO", "L898"])
    assert not result.valid
    assert result.data is None
    assert result.problems[0].kind is ProblemKind.SHAPE
    forced = parse_mrz(ICAO_TD2, MrzFormat.TD3)
    assert forced.data is None and forced.problems[0].kind is ProblemKind.SHAPE


def test_forced_shape_with_leading_v_is_a_visa() -> None:
    result = parse_mrz(ICAO_MRVB, "TD2", today=TODAY)
    assert result.doc_format is MrzFormat.MRVB
    assert result.valid


def test_lowercase_and_surrounding_spaces_are_normalised() -> None:
    assert parse_mrz([f"  {line.lower()} " for line in ICAO_TD3], today=TODAY).valid


def test_characters_outside_the_mrz_alphabet() -> None:
    lines = list(ICAO_TD3)
    lines[0] = lines[0].replace("ERIKSSON", "ERIKSSÖN")
    result = parse_mrz(lines, today=TODAY)
    assert any(p.kind is ProblemKind.CHARSET and p.field == "line1" for p in result.problems)


def test_unknown_country_codes() -> None:
    lines = td3(state="ZZZ", nationality="QQQ")
    result = parse_mrz(lines, today=TODAY)
    fields = {p.field for p in result.problems if p.kind is ProblemKind.COUNTRY}
    assert fields == {"issuing_state", "nationality"}


def test_impossible_dates_with_correct_check_digits() -> None:
    result = parse_mrz(td3(birth="851332", expiry="300230"), today=TODAY)
    assert result.failed_check_digits == []
    fields = {p.field for p in result.problems if p.kind is ProblemKind.DATE}
    assert fields == {"birth_date", "expiry_date"}
    assert result.data is not None
    assert result.data.birth_date is None and result.data.expiry_date is None


def test_unknown_birth_date_parts_are_allowed() -> None:
    # Doc 9303: unknown day and month are written as fillers.
    result = parse_mrz(td3(birth="85<<<<"), today=TODAY)
    assert result.valid, result.problems
    assert result.data is not None
    assert result.data.birth_date is None
    assert result.data.birth_date_raw == "85<<<<"


@pytest.mark.parametrize(("marker", "expected"), [("M", "M"), ("F", "F"), ("<", "X"), ("X", "X")])
def test_sex_markers(marker: str, expected: str) -> None:
    result = parse_mrz(td3(sex=marker), today=TODAY)
    assert result.valid
    assert result.data is not None and result.data.sex == expected


def test_invalid_sex_marker() -> None:
    result = parse_mrz(td3(sex="Q"), today=TODAY)
    assert [p.kind for p in result.problems] == [ProblemKind.SEX]


@pytest.mark.parametrize(
    ("builder", "code"),
    [(td3, "I<"), (td1, "P<"), (td1, "V<"), (td2, "X<")],
)
def test_document_code_must_fit_the_format(builder: Callable[..., list[str]], code: str) -> None:
    result = parse_mrz(builder(code=code), today=TODAY)
    assert any(p.kind is ProblemKind.DOCUMENT_CODE for p in result.problems)


def test_digits_in_the_name_field() -> None:
    result = parse_mrz(td3(surname="HANSEN0"), today=TODAY)
    assert any(p.kind is ProblemKind.NAME for p in result.problems)


def test_full_name_field_may_be_truncated() -> None:
    long_surname = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    lines = td3(surname=long_surname, given="MARIA<ELISABETH<KRISTINE")
    result = parse_mrz(lines, today=TODAY)
    assert result.valid
    assert result.data is not None
    assert result.data.names_may_be_truncated
    assert result.data.secondary_identifier == "MARIA ELISA"  # 26 + 2 + 11 = 39


def test_names_with_several_parts() -> None:
    result = parse_mrz(td3(surname="LIE<HANSEN", given="OLE<PETTER"), today=TODAY)
    assert result.data is not None
    assert result.data.primary_identifier == "LIE HANSEN"
    assert result.data.secondary_identifier == "OLE PETTER"


def test_check_digit_helper_agrees_with_builder() -> None:
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("D23145890734") == "9"


def test_allowed_characters_fit_every_specimen() -> None:
    for fmt, lines in SPECIMENS.items():
        allowed = layout_for(fmt).allowed
        assert [len(a) for a in allowed] == [len(line) for line in lines]
        for line, chars in zip(lines, allowed, strict=True):
            for char, choices in zip(line, chars, strict=True):
                assert char in choices, (fmt, line, char)


def test_the_layout_table_checks_what_doc_9303_says() -> None:
    # The reader's check groups and the parser's come from one table: it must cover exactly
    # the positions Doc 9303 lists (COVERAGE, written out by hand above).
    for fmt, coverage in COVERAGE.items():
        groups = {g.name: (list(g.fields), g.check) for g in layout_for(fmt).check_groups}
        assert groups == coverage, fmt


def test_parse_result_round_trips_through_json() -> None:
    result = parse_mrz(ICAO_TD3, today=TODAY)
    assert result.data is not None
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["valid"] is True
    assert MrzData.from_dict(payload["data"]) == result.data


def test_check_digits_ok_ignores_codes_and_dates_but_not_digits() -> None:
    odd_country = parse_mrz(td1(state="SI<", nationality="SI<"), today=TODAY)
    assert not odd_country.valid and odd_country.check_digits_ok
    odd_date = parse_mrz(td3(birth="851332"), today=TODAY)
    assert not odd_date.valid and odd_date.check_digits_ok
    lines = td3()
    lines[1] = lines[1][:9] + str((int(lines[1][9]) + 1) % 10) + lines[1][10:]
    assert not parse_mrz(lines, today=TODAY).check_digits_ok
    assert not parse_mrz(["P<UTO"], today=TODAY).check_digits_ok
