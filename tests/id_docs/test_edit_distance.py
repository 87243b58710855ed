from __future__ import annotations

from verifier.id_docs.mrz.edit_distance import edit_distance


def test_edit_distance_counts_substitutions_insertions_and_deletions() -> None:
    assert edit_distance("P<UTO", "P<UTO") == 0
    assert edit_distance("CHRTSTOPHE", "CHRISTOPHE") == 1  # one substitution
    assert edit_distance("KINGDM", "KINGDOM") == 1  # one character lost
    assert edit_distance("<<<<", "") == 4
    assert edit_distance("", "ABC") == 3
