"""False alarms on compliant portraits that were fixed, each kept as a regression test on an
edit of a real photograph (tests/photo/support/portrait_edits.py), on lighter and on darker skin."""

from __future__ import annotations

from functools import cache

import pytest

from tests.photo.support import portrait_edits as edits
from verifier.photo.check import PhotoCheck, check_photo_detailed
from verifier.photo.rules.no_glasses import BRIDGE, RIMS, TEMPLES, line_contrast
from verifier.policy import default_policy
from verifier.verdict import Status

POLICY = default_policy()
SKIN = pytest.mark.parametrize("darker_skin", [False, True], ids=["lighter skin", "darker skin"])


@cache
def heavy_brows(darker_skin: bool) -> PhotoCheck:
    base = edits.darker_base() if darker_skin else edits.base()
    return check_photo_detailed(edits.encode(edits.heavy_brows(base)))


@SKIN
def test_heavy_dark_brows_that_meet_over_the_nose_are_not_glasses(darker_skin: bool) -> None:
    check = heavy_brows(darker_skin)
    result = check.verdict.result("no_glasses")
    assert result is not None and result.status is Status.PASS, result
    # The fixed strips (up to 0.45 IED above the eye line) read these brows as a frame: the
    # strips that begin below this face's own brows are what clears them.
    aligned = check.analysis.aligned if check.analysis else None
    assert aligned is not None
    fixed_strips = (
        line_contrast(aligned, BRIDGE)
        + min(line_contrast(aligned, box) for box in RIMS)
        + min(line_contrast(aligned, box) for box in TEMPLES)
    )
    assert fixed_strips > POLICY.no_glasses.frame_contrast_fail


@SKIN
def test_glasses_still_fail_below_the_brows(darker_skin: bool) -> None:
    base = edits.darker_base() if darker_skin else edits.base()
    check = check_photo_detailed(edits.encode(edits.glasses(base)))
    result = check.verdict.result("no_glasses")
    assert result is not None and result.status is Status.FAIL, result


def test_near_black_hair_in_a_yellow_green_cast_is_hair() -> None:
    """Near-black hair (L* 11, chroma 7) whose faint hue falls at ~130 degrees after the cheek
    white balance: it read as green fabric while the fabric hues began at 120 degrees."""
    check = check_photo_detailed(edits.encode(edits.recolour_hair(edits.base(), (26, 31, 22))))
    result = check.verdict.result("no_headgear")
    assert result is not None and result.status is Status.PASS, result
