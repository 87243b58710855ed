"""What the reader does with check digits: a document printed with wrong check digits is read
and reported with the failing groups named (review, "check digits do not match"), look-alike
characters in an alphanumeric document number are corrected jointly with the composite and
listed, and a document photographed in perspective is rectified before reading."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from tests.id_docs.support import check_digit, td1, td3
from verifier.id_docs.check import check_id_document
from verifier.id_docs.mrz.correct import (
    Alternative,
    Correction,
    correct_with_alternatives,
    corrections_between,
    failing_groups,
)
from verifier.id_docs.mrz.reader import read_mrz
from verifier.id_docs.mrz.synthetic import (
    in_perspective,
    make_document,
    make_td1_card,
    make_td3_page,
)
from verifier.id_docs.verdict import IdVerdict
from verifier.policy import default_policy
from verifier.verdict import Status


def _png(rgb: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return data.tobytes()


def _misprinted_specimen() -> list[str]:
    """A TD1 card whose printed document-number, expiry and composite digits are all wrong (as
    on a real specimen): only the birth date's check digit holds."""
    lines = td1(number="P1234567", expiry="310101", state="AUT", nationality="AUT")
    line1 = lines[0][:14] + str((int(lines[0][14]) + 3) % 10) + lines[0][15:]
    line2 = lines[1][:14] + str((int(lines[1][14]) + 4) % 10) + lines[1][15:29]
    right = check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    return [line1, line2 + str((int(right) + 5) % 10), lines[2]]


def test_a_specimen_with_wrong_printed_check_digits_is_read_and_failing() -> None:
    lines = _misprinted_specimen()
    assert failing_groups("TD1", lines) == ["document_number", "expiry_date", "composite"]
    doc = make_document(lines, seed=4)
    result = read_mrz(doc.rgb)
    assert result.lines == lines  # as printed: no correction hides the misprint
    assert result.failed_checks == ("document_number", "expiry_date", "composite")
    assert result.corrections == ()


def test_its_verdict_goes_to_review_because_check_digits_do_not_match() -> None:
    verdict = check_id_document(_png(make_document(_misprinted_specimen(), seed=4).rgb))
    assert verdict.mrz_lines == _misprinted_specimen()
    assert verdict.status is Status.REVIEW
    rule = verdict.result("mrz_valid")
    assert rule is not None and rule.status is Status.REVIEW
    assert rule.value == "document_number,expiry_date,composite"
    assert rule.details["reason"] == "check digits do not match"
    assert "check digits do not match" in rule.message_en
    assert "Kontrollsifrene i MRZ stemmer ikke" in rule.message_nb
    assert "date of expiry" in rule.message_en and "utløpsdato" in rule.message_nb


def test_the_check_gives_the_reader_its_policys_mrz_reader_section() -> None:
    # The same misprinted card under a policy that reports failing check digits only at a
    # confidence no reading reaches: the reading is dropped and the document has "no MRZ".
    packaged = default_policy()
    stricter = dataclasses.replace(
        packaged,
        mrz_reader=dataclasses.replace(packaged.mrz_reader, min_confident_with_failures=1.01),
    )
    image = make_document(_misprinted_specimen(), seed=4).rgb
    assert read_mrz(image, stricter.mrz_reader).lines is None
    verdict = check_id_document(_png(image), policy=stricter)
    assert verdict.mrz_lines is None
    assert [r.rule for r in verdict.results] == ["mrz_present"]


# A German-style passport number mixing letters and digits: C01X00T47.
GERMAN_STYLE = td3(number="C01X00T47", state="D<<", nationality="D<<")


def test_zeros_read_as_o_are_corrected_with_the_composite() -> None:
    # Both zeros of "00" read as O (the recogniser firmly preferred O: 5.5 nats each), so the
    # number's check digit and the composite fail; between two letters, the field type
    # cannot tell. Only the two changes together make both hold.
    wrong = GERMAN_STYLE[1][:4] + "OO" + GERMAN_STYLE[1][6:]
    read = [GERMAN_STYLE[0], wrong]
    assert failing_groups("TD3", read) == ["document_number", "composite"]
    alternatives = [
        Alternative(1, 4, "0", 5.5),
        Alternative(1, 5, "0", 5.5),
        Alternative(1, 7, "1", 6.0),  # other look-alikes the recogniser was surer of
        Alternative(1, 2, "I", 6.5),
    ]
    corrected, cost = correct_with_alternatives("TD3", read, alternatives)
    assert corrected == GERMAN_STYLE
    assert cost == 11.0
    assert corrections_between(read, corrected) == (
        Correction(1, 4, "O", "0"),
        Correction(1, 5, "O", "0"),
    )


def _rival_repairs() -> tuple[list[str], Alternative, Alternative]:
    """A visa whose document-number check digit is misread, and two single changes that each
    make it hold: the right digit back, or a first character of the number that fits the wrong
    digit (found with the builders' own 7-3-1 sum)."""
    visa = ["V" + GERMAN_STYLE[0][1:], GERMAN_STYLE[1]]
    right = visa[1][9]
    wrong = str((int(right) + 1) % 10)
    line2 = visa[1][:9] + wrong + visa[1][10:]
    rival = next(c for c in "ABDEFGHJKLMNPQRSTUVWXYZ" if check_digit(c + line2[1:9]) == wrong)
    return [visa[0], line2], Alternative(1, 9, right, 3.0), Alternative(1, 0, rival, 3.5)


def test_two_repairs_of_about_the_same_cost_leave_the_reading_as_it_is() -> None:
    read, digit_back, rival = _rival_repairs()
    assert failing_groups("MRVA", read) == ["document_number"]
    corrected, cost = correct_with_alternatives("MRVA", read, [digit_back, rival])
    assert corrected == read and cost == 0.0


def test_a_repair_clearly_cheaper_than_its_rival_is_made() -> None:
    read, digit_back, rival = _rival_repairs()
    costly_rival = Alternative(rival.line, rival.index, rival.char, 5.5)
    corrected, cost = correct_with_alternatives("MRVA", read, [digit_back, costly_rival])
    assert corrected[1][9] == digit_back.char and cost == 3.0


def test_a_costly_change_that_repairs_one_group_only_is_not_taken() -> None:
    # The same O/0 doubt where only one check group fails: one 7-3-1 sum agreeing by chance
    # is a 1-in-10 event, so the search stays within the single-group budget.
    visa = ["V" + GERMAN_STYLE[0][1:], GERMAN_STYLE[1][:4] + "OO" + GERMAN_STYLE[1][6:]]
    assert failing_groups("MRVA", visa) == ["document_number"]
    alternatives = [Alternative(1, 4, "0", 5.5), Alternative(1, 5, "0", 5.5)]
    corrected, cost = correct_with_alternatives("MRVA", visa, alternatives)
    assert corrected == visa and cost == 0.0


def test_a_document_number_with_letters_and_zeros_is_read() -> None:
    doc = make_document(GERMAN_STYLE, seed=8)
    verdict = check_id_document(_png(doc.rgb))
    assert verdict.mrz_lines == GERMAN_STYLE
    assert verdict.fields is not None and verdict.fields.document_number == "C01X00T47"
    roundtrip = IdVerdict.from_dict(verdict.to_dict())
    assert roundtrip.mrz_corrections == verdict.mrz_corrections


@pytest.mark.parametrize(("degrees", "about_vertical"), [(25, True), (-25, True), (25, False)])
def test_a_passport_photographed_in_perspective_is_rectified(
    degrees: float, about_vertical: bool
) -> None:
    doc = make_td3_page(seed=12)
    photo = in_perspective(doc.rgb, degrees, about_vertical, background=90)
    result = read_mrz(photo)
    assert result.lines == doc.lines
    assert result.failed_checks == ()
    if about_vertical:  # the far end's glyphs shrink: only the rectified cut reads them
        assert result.rectified


def test_a_card_photographed_in_perspective_on_a_desk() -> None:
    doc = make_td1_card(seed=11)
    photo = in_perspective(doc.rgb, 25, True, background=60)
    desk = cv2.copyMakeBorder(photo, 80, 80, 120, 120, cv2.BORDER_CONSTANT, value=(60, 50, 40))
    result = read_mrz(desk)
    assert result.lines == doc.lines
    assert result.failed_checks == ()
