"""Fødselsnummer, D-numbers, H-numbers, synthetic test numbers and organisation numbers."""

from __future__ import annotations

from datetime import date

import pytest

from tests.id_docs.support import (
    first_valid_national_id,
    make_national_id,
    make_org_number,
    with_control_digits,
)
from verifier.norway.national_id import (
    NationalIdError,
    NationalIdErrorCode,
    NationalIdKind,
    century_year,
    control_digits,
    is_valid_norwegian_id,
    parse_norwegian_id,
)
from verifier.norway.org_number import (
    OrgNumberError,
    OrgNumberErrorCode,
    is_valid_org_number,
    normalise_org_number,
)

TODAY = date(2026, 6, 1)


# Fixed numbers that circulate publicly as examples (valid by the algorithm, checked here by
# hand once): no real person is implied.
@pytest.mark.parametrize(
    ("number", "kind", "birth", "sex"),
    [
        ("15076500565", NationalIdKind.FODSELSNUMMER, date(1965, 7, 15), "M"),
        ("01010750160", NationalIdKind.FODSELSNUMMER, date(2007, 1, 1), "M"),
        ("17054026641", NationalIdKind.FODSELSNUMMER, date(1940, 5, 17), "F"),
        ("29029600013", NationalIdKind.FODSELSNUMMER, date(1996, 2, 29), "F"),
        ("41018036736", NationalIdKind.D_NUMBER, date(1980, 1, 1), "M"),
    ],
)
def test_fixed_known_valid_numbers(
    number: str, kind: NationalIdKind, birth: date, sex: str
) -> None:
    parsed = parse_norwegian_id(number, today=TODAY)
    assert (parsed.kind, parsed.birth_date, parsed.sex) == (kind, birth, sex)


@pytest.mark.parametrize(
    ("birth", "individuals"),
    [
        (date(1899, 3, 4), range(500, 750)),  # 1854-1899: 500-749
        (date(1912, 12, 31), range(0, 500)),  # 1900-1999: 000-499
        (date(1955, 6, 15), range(900, 1000)),  # 1940-1999: also 900-999
        (date(1999, 1, 1), range(0, 500)),
        (date(2000, 2, 29), range(500, 1000)),  # 2000-2039: 500-999
        (date(2024, 10, 9), range(500, 1000)),
    ],
)
def test_century_from_individual_number(birth: date, individuals: range) -> None:
    number = first_valid_national_id(birth, individuals)
    parsed = parse_norwegian_id(number, today=TODAY)
    assert parsed.birth_date == birth
    assert parsed.kind is NationalIdKind.FODSELSNUMMER


def test_every_individual_number_of_a_day_parses_to_that_day_and_sex() -> None:
    birth = date(1987, 11, 23)
    valid = 0
    for individual in range(0, 500):
        number = make_national_id(birth, individual)
        if number is None:
            assert control_digits(f"231187{individual:03d}") is None
            continue
        parsed = parse_norwegian_id(number, today=TODAY)
        assert parsed.birth_date == birth
        assert parsed.sex == ("M" if individual % 2 else "F")
        valid += 1
    assert 300 < valid < 500  # about 1 in 11 has no K1, 1 in 11 no K2


def test_d_number_adds_40_to_the_day() -> None:
    number = first_valid_national_id(date(1990, 7, 31), range(100, 500), day_offset=40)
    assert number.startswith("71")
    parsed = parse_norwegian_id(number, today=TODAY)
    assert parsed.kind is NationalIdKind.D_NUMBER
    assert parsed.birth_date == date(1990, 7, 31)


def test_h_number_is_rejected_with_its_reason() -> None:
    number = first_valid_national_id(date(1990, 7, 15), range(100, 500), month_offset=40)
    with pytest.raises(NationalIdError) as err:
        parse_norwegian_id(number, today=TODAY)
    assert err.value.code is NationalIdErrorCode.H_NUMBER
    assert "H-number" in err.value.message_en and "H-nummer" in err.value.message_nb


def test_synthetic_test_number_is_rejected_with_its_reason() -> None:
    number = first_valid_national_id(date(1990, 7, 15), range(100, 500), month_offset=80)
    with pytest.raises(NationalIdError) as err:
        parse_norwegian_id(number, today=TODAY)
    assert err.value.code is NationalIdErrorCode.SYNTHETIC
    assert "synthetic" in err.value.message_en


def test_every_single_digit_change_is_caught() -> None:
    number = "15076500565"
    for position in range(11):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            changed = number[:position] + digit + number[position + 1 :]
            assert not is_valid_norwegian_id(changed), changed


def test_control_digit_errors_are_named() -> None:
    with pytest.raises(NationalIdError) as first:
        parse_norwegian_id("15076500575")
    assert first.value.code is NationalIdErrorCode.CONTROL_DIGIT_1
    with pytest.raises(NationalIdError) as second:
        parse_norwegian_id("15076500566")
    assert second.value.code is NationalIdErrorCode.CONTROL_DIGIT_2


@pytest.mark.parametrize("raw", ["", "1507650056", "150765005655", "1507650056a", "15.07.65 005"])
def test_format_errors(raw: str) -> None:
    with pytest.raises(NationalIdError) as err:
        parse_norwegian_id(raw)
    assert err.value.code is NationalIdErrorCode.FORMAT


def test_spaces_are_allowed() -> None:
    assert parse_norwegian_id("150765 00565").number == "15076500565"


def test_impossible_date_and_future_birth() -> None:
    # 31 February 1990 with correct control digits.
    impossible = next(
        n for n in (with_control_digits(f"310290{i:03d}") for i in range(500)) if n is not None
    )
    with pytest.raises(NationalIdError) as err:
        parse_norwegian_id(impossible, today=TODAY)
    assert err.value.code is NationalIdErrorCode.DATE
    future = first_valid_national_id(date(2030, 1, 1), range(500, 1000))
    with pytest.raises(NationalIdError) as err2:
        parse_norwegian_id(future, today=TODAY)
    assert err2.value.code is NationalIdErrorCode.DATE


def test_individual_number_that_fits_no_century() -> None:
    # 750-899 exist only for 2000-2039 births: with year digits 55 no century fits.
    number = first_valid_national_id(date(1955, 5, 5), range(750, 900))
    with pytest.raises(NationalIdError) as err:
        parse_norwegian_id(number, today=TODAY)
    assert err.value.code is NationalIdErrorCode.INDIVIDUAL_NUMBER


@pytest.mark.parametrize(
    ("yy", "individual", "year"),
    [
        (0, 0, 1900),
        (99, 499, 1999),
        (54, 500, 1854),
        (99, 749, 1899),
        (0, 500, 2000),
        (39, 999, 2039),
        (40, 900, 1940),
        (99, 999, 1999),
        (40, 500, None),
        (53, 749, None),
        (60, 800, None),
    ],
)
def test_century_table(yy: int, individual: int, year: int | None) -> None:
    assert century_year(yy, individual) == year


@pytest.mark.parametrize("number", ["974760673", "923609016", "971526920", "983887457"])
def test_known_organisation_numbers(number: str) -> None:
    assert is_valid_org_number(number)


def test_built_organisation_numbers_and_every_single_digit_change() -> None:
    built = [n for n in (make_org_number(f"9{i:07d}") for i in range(0, 9_000_000, 97_531)) if n]
    assert len(built) > 50
    for number in built:
        assert normalise_org_number(number) == number
        for position in range(9):
            for digit in "0123456789":
                changed = number[:position] + digit + number[position + 1 :]
                if changed != number and changed[0] in "89":
                    assert not is_valid_org_number(changed), changed


def test_organisation_number_errors() -> None:
    with pytest.raises(OrgNumberError) as fmt:
        normalise_org_number("97476067")
    assert fmt.value.code is OrgNumberErrorCode.FORMAT
    with pytest.raises(OrgNumberError) as first:
        normalise_org_number("174760673")
    assert first.value.code is OrgNumberErrorCode.FIRST_DIGIT
    with pytest.raises(OrgNumberError) as control:
        normalise_org_number("974760674")
    assert control.value.code is OrgNumberErrorCode.CONTROL_DIGIT
    assert normalise_org_number("974 760 673") == "974760673"
