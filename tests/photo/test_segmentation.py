"""Person segmentation (the selfie segmenter) on real portraits, and what plain_background and
no_headgear make of it. The images are the project's own test photos and edits of a real
photograph (tests/photo/support/portrait_edits.py), decoded and analysed by the real code."""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pytest

from tests.photo.support import checked
from tests.photo.support import portrait_edits as edits
from verifier.photo.background_sample import sample_background
from verifier.photo.check import PhotoCheck, check_photo_detailed
from verifier.policy import Policy, default_policy
from verifier.verdict import Status

POLICY = default_policy()
# The same policy with the segmentation never trusted: the person placed from the landmarks
# (head ellipse and shoulders), as plain_background measured before the segmenter.
GEOMETRIC = dataclasses.replace(
    POLICY, segmentation=dataclasses.replace(POLICY.segmentation, min_face_coverage=1.01)
)


@cache
def big_hair(darker_skin: bool, geometric: bool = False) -> PhotoCheck:
    base = edits.darker_base() if darker_skin else edits.base()
    policy: Policy = GEOMETRIC if geometric else POLICY
    return check_photo_detailed(edits.encode(edits.big_dark_hair(base)), policy=policy)


def status(check: PhotoCheck, rule: str) -> Status:
    result = check.verdict.result(rule)
    assert result is not None, f"{rule} did not run"
    return result.status


def test_the_segmenter_separates_the_person_from_the_wall_on_a_real_portrait() -> None:
    analysis = checked("compliant_portrait.jpg").analysis
    assert analysis is not None and analysis.main is not None
    confidence = analysis.person_confidence
    assert confidence.shape == (256, 256) and confidence.dtype == np.float32
    assert float(confidence.min()) >= 0.0 and float(confidence.max()) <= 1.0
    h, w = analysis.rgb.shape[:2]
    cx, cy = analysis.main.centre
    assert confidence[int(cy / h * 256), int(cx / w * 256)] > 0.9  # the face
    assert max(confidence[0, 0], confidence[0, -1]) < 0.1  # the wall in the top corners
    sample = analysis.background
    assert sample is not None and sample.segmented and sample.face_coverage > 0.95


@pytest.mark.parametrize("darker_skin", [False, True], ids=["lighter skin", "darker skin"])
def test_a_white_wall_behind_big_dark_hair_is_a_plain_background(darker_skin: bool) -> None:
    check = big_hair(darker_skin)
    assert status(check, "plain_background") is Status.PASS, check.verdict.result(
        "plain_background"
    )
    assert status(check, "no_headgear") is Status.PASS  # dark hair is hair, not a covering
    assert status(check, "no_glasses") is Status.PASS


def test_without_the_segmentation_the_same_hair_reads_as_a_dark_background() -> None:
    """The false alarm the mask fixes: the landmark-placed head ellipse leaves the hair's volume
    in the background, whose darker tenth is then the hair's."""
    check = big_hair(darker_skin=True, geometric=True)
    assert check.analysis is not None and check.analysis.background is not None
    assert not check.analysis.background.segmented
    assert status(check, "plain_background") is Status.FAIL


def test_a_cluttered_room_behind_the_person_is_not_plain() -> None:
    check = check_photo_detailed(edits.encode(edits.busy_background(edits.base())))
    assert check.analysis is not None and check.analysis.background is not None
    assert check.analysis.background.segmented
    result = check.verdict.result("plain_background")
    assert result is not None and result.status is Status.FAIL, result


def test_the_shadow_band_lies_just_outside_the_silhouette() -> None:
    check = check_photo_detailed(edits.encode(edits.shadow_beside_head(edits.base())))
    result = check.verdict.result("plain_background")
    assert result is not None and result.status is Status.FAIL
    assert float(result.details["shadow_l"]) > POLICY.plain_background.shadow_fail_l


def test_a_segmentation_that_misses_the_face_is_not_trusted() -> None:
    analysis = checked("compliant_portrait.jpg").analysis
    assert analysis is not None and analysis.person_geometry is not None
    nobody = np.zeros((256, 256), dtype=np.float32)
    sample = sample_background(analysis.rgb, analysis.person_geometry, nobody, POLICY.segmentation)
    assert not sample.segmented and sample.face_coverage == 0.0
    # The geometric person still keeps the face out of the background.
    assert sample.background.sum() < sample.background.size * 0.8
