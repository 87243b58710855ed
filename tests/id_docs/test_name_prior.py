"""The spelling prior over the MRZ name field: it breaks the recogniser's near-ties between
letters with the letter-pair counts of real names, and never overrules a confident reading."""

from __future__ import annotations

import json

from verifier.id_docs.mrz.correct import Alternative
from verifier.id_docs.mrz.name_prior import (
    NameBigrams,
    name_bigrams,
    name_fields,
    prefer_likely_names,
)
from verifier.id_docs.mrz.training.name_bigrams import bigram_counts
from verifier.model_files import model_path

LINE2 = "1071828900GBR8501178F1601312<<<<<<<<<<<<<<06"
NAME_LINE = "P<GBRUNITED<KINGDCM<TWENTY<SIX<<JODIE<PIPPA<"
C_INDEX = NAME_LINE.index("DCM") + 1


def test_a_near_tie_in_a_name_goes_to_the_spelling_names_use() -> None:
    # 27_pass-gbr in the corpus: 5 px glyphs, C / G / O within 1.2 nats of each other.
    alternatives = [Alternative(0, C_INDEX, "G", 0.28), Alternative(0, C_INDEX, "O", 1.21)]
    lines = prefer_likely_names("TD3", [NAME_LINE, LINE2], alternatives, max_gap=1.5)
    assert lines[0] == "P<GBRUNITED<KINGDOM<TWENTY<SIX<<JODIE<PIPPA<"
    assert lines[1] == LINE2


def test_a_confident_reading_is_kept_however_unusual_the_spelling() -> None:
    alternatives = [Alternative(0, C_INDEX, "O", 4.0)]
    lines = prefer_likely_names("TD3", [NAME_LINE, LINE2], alternatives, max_gap=1.5)
    assert lines[0] == NAME_LINE


def test_only_the_name_field_is_touched() -> None:
    # A doubt in the issuing state (not a name) is left to the country-code correction.
    alternatives = [Alternative(0, 2, "<", 0.1), Alternative(1, 5, "O", 0.1)]
    lines = prefer_likely_names("TD3", [NAME_LINE, LINE2], alternatives, max_gap=1.5)
    assert lines == [NAME_LINE, LINE2]


def test_name_fields_of_every_layout() -> None:
    assert name_fields("TD1") == [(2, 0, 30)]
    assert name_fields("TD2") == [(0, 5, 36)]
    assert name_fields("MRVB") == [(0, 5, 36)]
    assert name_fields("TD3") == [(0, 5, 44)]
    assert name_fields("MRVA") == [(0, 5, 44)]


def test_committed_counts_load_verified_and_describe_names() -> None:
    model = name_bigrams()
    # Common name spellings cost less than rare ones; filler runs carry no evidence.
    assert model.cost("D", "O") < model.cost("D", "C") - 3
    assert model.cost("<", "<") == 0.0
    document = json.loads(model_path("mrz_name_bigrams.json").read_text())
    assert document["names"] > 10_000
    assert "Faker" in document["source"]


def test_counts_are_built_from_mrz_spellings() -> None:
    counts = bigram_counts(["Øyvind", "Ås"])
    # Ø -> OE and Å -> AA, as the MRZ spells them, each name framed by '<'.
    assert counts["<O"] == 1 and counts["OE"] == 1 and counts["AA"] == 1 and counts["S<"] == 1
    model = NameBigrams(counts, "<ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert model.cost("O", "E") < model.cost("O", "X")
