"""The reviewer's words for a borderline result: what the check read, from the result's
details, on real checks of photos the tests make."""

from __future__ import annotations

from portal.rule_labels import review_rows
from tests.photo.support import portrait_edits as edits
from tests.photo.support.expression_edits import compliant_portrait
from verifier.photo.check import check_photo_detailed


def _results(data: bytes) -> list[dict[str, object]]:
    return [r.to_dict() for r in check_photo_detailed(data).verdict.results]


def test_crimson_on_the_head_is_explained_as_a_covering_or_dyed_hair() -> None:
    maroon_cap = edits.encode(edits.cap(edits.base(), (95, 20, 40)))
    rows = {row.rule: row for row in review_rows(_results(maroon_cap), "en")}
    headgear = rows["no_headgear"]
    assert headgear.status == "review"
    assert headgear.reading.startswith("Crimson or maroon above the forehead")
    assert "hair dyed burgundy" in headgear.reading
    assert "crimson counts only towards review" in headgear.limit
    nb = {row.rule: row for row in review_rows(_results(maroon_cap), "nb")}["no_headgear"]
    assert nb.reading.startswith("Karmosin- eller vinrødt")


def test_a_passing_rule_gets_no_reading() -> None:
    base = {row.rule: row for row in review_rows(_results(edits.encode(edits.base().rgb)), "en")}
    assert base["no_headgear"].status == "pass" and base["no_headgear"].reading == ""
    calm = {
        row.rule: row for row in review_rows(_results(edits.encode(compliant_portrait())), "en")
    }
    assert calm["expression_neutral"].status == "pass"
    assert calm["expression_neutral"].reading == ""
