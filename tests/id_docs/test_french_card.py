"""The French identity card of 1988-2021 (2 lines of 36 in its own layout, not TD2): the
parser on published specimens and on cards built field by field with valid and corrupted check
digits, the reader on rendered cards, alone and scanned front and back on one page."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from tests.id_docs.support import FRENCH_CARD_BERTHIER, FRENCH_CARD_DOUEL, french_card, td2
from verifier.id_docs.check import check_mrz_lines
from verifier.id_docs.mrz.layout import MrzFormat
from verifier.id_docs.mrz.parse import detect_format, parse_mrz
from verifier.id_docs.mrz.reader import read_mrz
from verifier.id_docs.mrz.synthetic import (
    SyntheticDocument,
    front_and_back_scan,
    make_french_card,
)
from verifier.verdict import Status

TODAY = date(2026, 6, 1)


def _corrupt(lines: list[str], line: int, index: int) -> list[str]:
    """The digit at (line, index) replaced by the next digit."""
    out = list(lines)
    digit = out[line][index]
    out[line] = out[line][:index] + str((int(digit) + 1) % 10) + out[line][index + 1 :]
    return out


@pytest.mark.parametrize("lines", [FRENCH_CARD_BERTHIER, FRENCH_CARD_DOUEL])
def test_published_specimens_validate(lines: list[str]) -> None:
    result = parse_mrz(lines, today=TODAY)
    assert result.doc_format is MrzFormat.FRA_ID
    assert result.valid, [p.message_en for p in result.problems]
    assert result.data is not None
    assert result.data.check_digits == {
        "document_number": True,
        "birth_date": True,
        "composite": True,
    }


def test_fields_of_the_berthier_specimen() -> None:
    data = parse_mrz(FRENCH_CARD_BERTHIER, today=TODAY).data
    assert data is not None
    assert data.document_code == "ID"
    assert data.issuing_state == "FRA"
    assert data.nationality == "FRA"  # the card is issued to French citizens only
    assert data.primary_identifier == "BERTHIER"
    assert data.secondary_identifier == "CORINNE"
    assert data.document_number == "880692310285"
    assert data.birth_date == date(1965, 12, 6)
    assert data.sex == "F"
    # Issued June 1988 to an adult, before 2004: valid ten years from the month of issue.
    assert data.expiry_date == date(1998, 6, 1)


def test_given_names_and_issuing_office_of_the_douel_specimen() -> None:
    data = parse_mrz(FRENCH_CARD_DOUEL, today=TODAY).data
    assert data is not None
    assert data.primary_identifier == "DOUEL"
    assert data.secondary_identifier == "CHRISTIANE NI"
    assert data.optional_data == "932013"
    # Issued June 2005 to an adult: fifteen years.
    assert data.expiry_date == date(2020, 6, 1)


def test_a_card_issued_to_a_minor_is_valid_ten_years() -> None:
    data = parse_mrz(french_card(issued="1503", birth="050228"), today=TODAY).data
    assert data is not None and data.expiry_date == date(2025, 3, 1)
    adult = parse_mrz(french_card(issued="1503", birth="900228"), today=TODAY).data
    assert adult is not None and adult.expiry_date == date(2030, 3, 1)


def test_the_builder_and_the_parser_agree() -> None:
    result = parse_mrz(french_card(), today=TODAY)
    assert result.valid, [p.message_en for p in result.problems]


@pytest.mark.parametrize(
    ("position", "failing"),
    [
        ((1, 12), ["document_number", "composite"]),  # the number's check digit
        ((1, 5), ["document_number", "composite"]),  # a digit of the number
        ((1, 33), ["birth_date", "composite"]),  # the birth date's check digit
        ((1, 35), ["composite"]),  # the composite itself
    ],
)
def test_corrupted_check_digits_are_named(position: tuple[int, int], failing: list[str]) -> None:
    result = parse_mrz(_corrupt(french_card(), *position), today=TODAY)
    assert not result.valid
    assert result.failed_check_digits == failing


def test_a_changed_surname_breaks_the_composite() -> None:
    # Unlike ICAO formats, the French card's composite covers the names.
    lines = french_card()
    lines[0] = lines[0].replace("MARTIN", "MARTYN")
    assert parse_mrz(lines, today=TODAY).failed_check_digits == ["composite"]


def test_an_impossible_month_of_issue_is_a_date_problem() -> None:
    result = parse_mrz(french_card(issued="1513"), today=TODAY)
    assert [p.field for p in result.problems] == ["issue_month"]


def test_two_lines_of_36_from_elsewhere_stay_td2() -> None:
    assert detect_format(td2()) is MrzFormat.TD2
    assert detect_format(td2(state="FRA", code="I<")) is MrzFormat.TD2
    assert detect_format(FRENCH_CARD_BERTHIER) is MrzFormat.FRA_ID


def test_verdict_of_a_valid_card() -> None:
    verdict = check_mrz_lines(french_card(issued="1901"), today=TODAY)
    assert verdict.status is Status.PASS, [c.to_dict() for c in verdict.results]
    assert verdict.doc_format == "FRA_ID"


@pytest.fixture(scope="module")
def card() -> SyntheticDocument:
    return make_french_card(seed=21)


def test_rendered_card_is_read_in_its_own_layout(card: SyntheticDocument) -> None:
    assert parse_mrz(card.lines).valid
    result = read_mrz(card.rgb)
    assert result.lines == card.lines
    assert result.doc_format == "FRA_ID"
    assert result.failed_checks == ()


def test_front_and_back_on_one_scanned_page(card: SyntheticDocument) -> None:
    # The other side: the same card design without an MRZ (painted over with its paper).
    back = card.rgb.copy()
    x0, y0, x1, y1 = card.mrz_box
    back[y0 - 10 : y1 + 10, x0 - 10 : x1 + 10] = np.median(back[5:40, 5:40], axis=(0, 1))
    for page in (front_and_back_scan(card.rgb, back), front_and_back_scan(back, card.rgb)):
        result = read_mrz(page)
        assert result.lines == card.lines
        assert result.doc_format == "FRA_ID"
