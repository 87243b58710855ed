"""Structure-aware decoding of the recogniser's output: fixed line lengths, field types and the
check-digit search among alternatives. Frame probabilities are built by hand so each case is
exactly the confusion it names."""

from __future__ import annotations

import dataclasses

import numpy as np

from verifier.id_docs.mrz.correct import (
    Alternative,
    correct_country_codes,
    correct_with_alternatives,
    failing_groups,
    prefer_neighbour_kind,
)
from verifier.id_docs.mrz.countries import is_known_code
from verifier.id_docs.mrz.layout import layout_for
from verifier.id_docs.mrz.ocr import ALPHABET, read_fixed_length
from verifier.policy import default_policy

TD3 = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]
CLASSES = len(ALPHABET) + 1


def frames_for(text: str, confusions: dict[int, dict[str, float]] | None = None) -> np.ndarray:
    """Two frames per character and a blank frame after each, as a trained CTC model emits."""
    confusions = confusions or {}
    rows = []
    for i, char in enumerate(text):
        row = np.full(CLASSES, 1e-4)
        row[ALPHABET.index(char) + 1] = 0.97
        for other, p in confusions.get(i, {}).items():
            row[ALPHABET.index(other) + 1] = p
        rows.extend([row / row.sum(), row / row.sum()])
        blank = np.full(CLASSES, 1e-4)
        blank[0] = 0.99
        rows.append(blank / blank.sum())
    return np.array(rows)


def test_clean_frames_read_exactly() -> None:
    reading = read_fixed_length(frames_for(TD3[1]), layout_for("TD3").allowed[1])
    assert reading.text == TD3[1]
    assert reading.free_text == TD3[1]
    assert min(reading.confidences) > 0.9


def test_digit_field_takes_the_digit_even_when_a_letter_looks_likelier() -> None:
    # Birth date position 14 ('4'): the model prefers 'A'; only digits (or '<') may stand there.
    probs = frames_for(TD3[1], {14: {"A": 0.97, "4": 0.5}})
    reading = read_fixed_length(probs, layout_for("TD3").allowed[1])
    assert reading.free_text[14] == "A"
    assert reading.text == TD3[1]


def test_name_field_takes_the_letter_where_the_model_sees_a_zero() -> None:
    line = TD3[0]
    o_index = line.index("O")  # the O of "UTO"
    probs = frames_for(line, {o_index: {"0": 0.97, "O": 0.6}})
    assert read_fixed_length(probs, layout_for("TD3").allowed[0]).text == line


def test_forced_length_drops_a_spurious_character() -> None:
    # A stray '1' read between two fillers (e.g. a smudge): the free reading is 45 long.
    noisy = TD3[0][:30] + "1" + TD3[0][30:]
    probs = frames_for(noisy, {30: {"1": 0.4}})
    probs[30 * 3 : 30 * 3 + 2, ALPHABET.index("1") + 1] = 0.35
    reading = read_fixed_length(probs, layout_for("TD3").allowed[0])
    assert len(reading.free_text) == 45
    assert reading.text == TD3[0]


def test_forced_length_recovers_a_merged_filler_run() -> None:
    # The blank between two '<' is weak ('<' wins the frame), so the free reading collapses
    # them into one; the fixed length brings the second back at the cheapest place.
    line = TD3[0]
    probs = frames_for(line)
    blank_frame = 30 * 3 + 2
    probs[blank_frame, 0] = 0.35
    probs[blank_frame, ALPHABET.index("<") + 1] = 0.6
    reading = read_fixed_length(probs, layout_for("TD3").allowed[0])
    assert len(reading.free_text) == 43
    assert reading.text == line


def test_check_digit_chooses_between_b_and_8_in_the_document_number() -> None:
    wrong = TD3[1][:3] + "B" + TD3[1][4:]  # document number "L89B902C3" instead of "L898902C3"
    assert "document_number" in failing_groups("TD3", [TD3[0], wrong])
    alternatives = [Alternative(1, 3, "8", 0.8), Alternative(1, 5, "O", 0.5)]
    corrected, cost = correct_with_alternatives("TD3", [TD3[0], wrong], alternatives)
    assert corrected == TD3
    assert cost == 0.8


def test_filler_read_as_e_is_corrected_by_the_optional_data_check() -> None:
    # The optional data "ZE184226B<<<<<" (check digit 1): a '<' read as E breaks its check.
    wrong = TD3[1][:38] + "E" + TD3[1][39:]
    assert failing_groups("TD3", [TD3[0], wrong]) == ["optional_data", "composite"]
    corrected, _ = correct_with_alternatives("TD3", [TD3[0], wrong], [Alternative(1, 38, "<", 1.2)])
    assert corrected == TD3


def test_filler_read_as_k_passes_every_check_digit() -> None:
    # K is worth 20, a multiple of 10: no 7-3-1 check digit can tell it from '<' (worth 0).
    # Why the reader must not rely on check digits alone for fillers.
    wrong = TD3[1][:38] + "K" + TD3[1][39:]
    assert failing_groups("TD3", [TD3[0], wrong]) == []


def test_no_correction_beyond_the_cost_limit() -> None:
    wrong = TD3[1][:3] + "B" + TD3[1][4:]
    corrected, cost = correct_with_alternatives(
        "TD3", [TD3[0], wrong], [Alternative(1, 3, "8", 20.0)], default_policy().mrz_reader
    )
    assert corrected[1] == wrong
    assert cost == 0.0


def test_the_repair_budgets_are_the_policys() -> None:
    # A firm B-for-8 doubt (7 nats) under the document number's digit and the composite: within
    # the look-alike budget of the packaged policy, beyond a policy that lowers it.
    wrong = TD3[1][:3] + "B" + TD3[1][4:]
    alternatives = [Alternative(1, 3, "8", 7.0)]
    packaged = default_policy().mrz_reader
    corrected, cost = correct_with_alternatives("TD3", [TD3[0], wrong], alternatives, packaged)
    assert corrected == TD3 and cost == 7.0
    stricter = dataclasses.replace(packaged, max_lookalike_change_cost=6.5)
    corrected, cost = correct_with_alternatives("TD3", [TD3[0], wrong], alternatives, stricter)
    assert corrected[1] == wrong and cost == 0.0
    # Two changes in one field when a single one is the policy's limit: nothing changes.
    single = dataclasses.replace(packaged, repair_max_changes=1)
    two = [Alternative(1, 3, "8", 1.0), Alternative(1, 5, "0", 1.0)]
    twice_wrong = TD3[1][:3] + "B" + TD3[1][4] + "O" + TD3[1][6:]
    assert correct_with_alternatives("TD3", [TD3[0], twice_wrong], two, packaged)[0] == TD3
    assert correct_with_alternatives("TD3", [TD3[0], twice_wrong], two, single)[0][1] == twice_wrong


def test_lookalike_letter_between_digits_becomes_a_digit() -> None:
    # A personal number "703..." in the optional data read as "7O3".
    wrong = TD3[1][:28] + "7O3" + TD3[1][31:]
    typed, cost = prefer_neighbour_kind("TD3", [TD3[0], wrong], [Alternative(1, 29, "0", 1.0)])
    assert typed[1][28:31] == "703"
    assert cost == 1.0


def test_lookalike_digits_between_letters_become_letters() -> None:
    # MRV-A optional data "IFLNDOOAMS" read with zeros: the letters around decide.
    visa = "555123ABC6GBR6502056F0412236IFLND00AMS803085"
    alternatives = [Alternative(1, 33, "O", 0.7), Alternative(1, 34, "O", 0.9)]
    typed, _ = prefer_neighbour_kind("MRVA", ["V<" + "X" * 42, visa], alternatives)
    assert typed[1][28:38] == "IFLNDOOAMS"


def test_unchecked_visa_data_lets_neighbours_overrule_a_firmer_zero() -> None:
    # The corpus's US visa prints O and 0 alike; the recogniser prefers 0 by about 6 nats.
    visa = "555123ABC6GBR6502056F0412236IFLND00AMS803085"
    alternatives = [Alternative(1, 33, "O", 6.2), Alternative(1, 34, "O", 5.7)]
    typed, cost = prefer_neighbour_kind("MRVA", ["V<" + "X" * 42, visa], alternatives)
    assert typed[1][28:38] == "IFLNDOOAMS"
    assert cost == 6.2 + 5.7


def test_checked_field_keeps_a_firm_reading_for_its_check_digit() -> None:
    # The same 6-nat doubt inside a passport's optional data, which a check digit covers: the
    # neighbours do not overrule it there, the check-digit search decides.
    line = TD3[1][:28] + "ZD00AB" + TD3[1][34:]
    alternatives = [Alternative(1, 30, "O", 6.2), Alternative(1, 31, "O", 5.7)]
    typed, cost = prefer_neighbour_kind("TD3", [TD3[0], line], alternatives)
    assert typed[1] == line and cost == 0.0


def test_touching_lookalike_runs_of_equal_length_are_left_to_the_check_digits() -> None:
    line = "ZE0O0509<9CAN8501019F2301147<<<<<<<<<<<<<<08"
    alternatives = [Alternative(1, 2, "D", 3.9), Alternative(1, 3, "0", 0.3)]
    typed, cost = prefer_neighbour_kind("TD3", [TD3[0], line], alternatives)
    assert typed[1] == line and cost == 0.0
    corrected, _ = correct_with_alternatives("TD3", typed, alternatives)
    assert corrected[1] == "ZE000509<9CAN8501019F2301147<<<<<<<<<<<<<<08"


def test_a_confident_digit_between_doubtful_letters_does_not_block_them() -> None:
    # Personal number "403060021041" read "4O3O6OO21O41" (100_pass-lux in the corpus): the `6`
    # between two O's would read as G only at a cost far above the limit, so it is no
    # competing run, and every O with a cheap 0 becomes 0.
    line = "S998527<<4LUX7806201F1108084O3O6OO21O41<<<96"
    alternatives = [Alternative(1, k, "0", 0.5) for k in (28, 30, 32, 33, 36)]
    alternatives.append(Alternative(1, 31, "G", 17.7))
    typed, cost = prefer_neighbour_kind("TD3", [TD3[0], line], alternatives)
    assert typed[1] == "S998527<<4LUX7806201F110808403060021041<<<96"
    assert cost == 2.5
    assert failing_groups("TD3", [TD3[0], typed[1]]) == []


def test_unknown_country_code_becomes_the_cheapest_known_one() -> None:
    wrong = TD3[1][:10] + "MLD" + TD3[1][13:]
    alternatives = [Alternative(1, 10, "N", 2.0), Alternative(1, 10, "H", 1.0)]
    fixed, cost = correct_country_codes("TD3", [TD3[0], wrong], alternatives, is_known_code)
    assert fixed[1][10:13] == "NLD"  # HLD is no country
    assert cost == 2.0
