"""Each face and image rule (face found and single, size, pose, eyes, gaze, expression,
sharpness, exposure, colour) fails on the edit made to break it and passes on Grace Hopper's
portrait (tests/images/cap_and_glasses_portrait.jpg, which fails only the appearance rules).

The images are real photographs (tests/images, made by scripts/make_test_images.py) decoded and
analysed by the real code.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.photo.support import checked
from verifier.photo.check import check_photo_detailed
from verifier.photo.face_landmarker import RawFace
from verifier.policy import default_policy
from verifier.verdict import Status

FACE_AND_IMAGE_RULES = (
    "face_present",
    "single_face",
    "face_size",
    "pose",
    "eyes_open",
    "gaze",
    "mouth_closed",
    "expression_neutral",
    "sharpness",
    "exposure",
    "natural_colour",
)


def status_of(image: str, rule: str) -> Status:
    result = checked(image).verdict.result(rule)
    assert result is not None, f"{rule} did not run on {image}"
    return result.status


@pytest.mark.parametrize("rule", FACE_AND_IMAGE_RULES)
def test_cap_and_glasses_portrait_passes_every_face_and_image_rule(rule: str) -> None:
    result = checked("cap_and_glasses_portrait.jpg").verdict.result(rule)
    assert result is not None
    assert result.status is Status.PASS, result
    assert result.message_nb and result.message_en and result.threshold


def test_compliant_portrait_passes_every_rule() -> None:
    verdict = checked("compliant_portrait.jpg").verdict
    assert verdict.status is Status.PASS, [
        r for r in verdict.results if r.status is not Status.PASS
    ]
    assert {r.rule for r in verdict.results} >= set(FACE_AND_IMAGE_RULES)


def test_borderline_face_size_is_review_not_fail() -> None:
    verdict = checked("borderline_small.jpg").verdict
    assert verdict.status is Status.REVIEW
    assert [r.rule for r in verdict.results if r.status is not Status.PASS] == ["face_size"]


@pytest.mark.parametrize(
    ("image", "rule", "expected"),
    [
        ("no_face.jpg", "face_present", Status.FAIL),
        ("two_faces.jpg", "single_face", Status.FAIL),
        ("small_face.jpg", "face_size", Status.FAIL),
        ("head_cut.jpg", "face_size", Status.FAIL),
        ("roll_20.jpg", "pose", Status.FAIL),
        ("kafka_turned.jpg", "pose", Status.FAIL),
        ("astronaut_smiling.png", "expression_neutral", Status.FAIL),
        ("blurred.jpg", "sharpness", Status.FAIL),
        ("heavy_jpeg.jpg", "sharpness", Status.FAIL),
        ("dark.jpg", "exposure", Status.FAIL),
        ("overexposed.jpg", "exposure", Status.FAIL),
        ("grayscale.jpg", "natural_colour", Status.FAIL),
        ("green_cast.jpg", "natural_colour", Status.FAIL),
    ],
)
def test_rule_fails_on_its_edit(image: str, rule: str, expected: Status) -> None:
    assert status_of(image, rule) is expected
    assert checked(image).verdict.status is Status.FAIL


def test_messages_say_what_to_fix() -> None:
    roll = checked("roll_20.jpg").verdict.result("pose")
    assert roll is not None and "tilt" in roll.message_en and "hell" in roll.message_nb
    small = checked("small_face.jpg").verdict.result("face_size")
    assert small is not None and "closer" in small.message_en
    cut = checked("head_cut.jpg").verdict.result("face_size")
    assert cut is not None and "cut off" in cut.message_en
    blocky = checked("heavy_jpeg.jpg").verdict.result("sharpness")
    assert blocky is not None and "compressed" in blocky.message_en


def test_measured_values_are_reported_with_their_threshold() -> None:
    small = checked("small_face.jpg").verdict.result("face_size")
    good = checked("cap_and_glasses_portrait.jpg").verdict.result("face_size")
    assert small is not None and good is not None
    assert isinstance(small.value, float) and isinstance(good.value, float)
    assert 35 < small.value < 60 < 90 < good.value  # inter-eye distance in source pixels
    roll = checked("roll_20.jpg").verdict.result("pose")
    assert roll is not None and 17 < abs(float(roll.details["roll_deg"])) < 23


def test_mouth_open_smile_is_not_accepted() -> None:
    # The astronaut's lips are parted in a smile: the mouth rule must not pass it.
    assert status_of("astronaut_smiling.png", "mouth_closed") is not Status.PASS


def test_no_face_runs_no_face_rules_and_fails() -> None:
    verdict = checked("no_face.jpg").verdict
    assert [r.rule for r in verdict.results if r.status is Status.FAIL] == ["face_present"]
    assert verdict.result("pose") is None
    assert verdict.card_crop is None


def test_exif_rotated_upload_is_judged_upright() -> None:
    assert checked("exif_rotated.jpg").verdict.result("pose").status is Status.PASS  # type: ignore[union-attr]


def test_overall_verdict_is_the_worst_rule_and_records_the_policy() -> None:
    verdict = checked("kafka_turned.jpg").verdict
    assert verdict.policy_version == default_policy().version
    statuses = {r.status for r in verdict.results}
    assert Status.FAIL in statuses and verdict.status is Status.FAIL
    assert verdict.to_dict()["policy_version"] == verdict.policy_version


def test_rules_share_one_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    import verifier.photo.face_search as face_search_module

    calls: list[int] = []
    real = face_search_module.detect_faces

    def counting(rgb: np.ndarray, max_faces: int) -> list[RawFace]:
        calls.append(1)
        return real(rgb, max_faces)

    # The landmarker runs once on a portrait: the tiles are only for frames without a face.
    monkeypatch.setattr(face_search_module, "detect_faces", counting)
    check_photo_detailed(
        (checked.__wrapped__.__globals__["IMAGES"] / "cap_and_glasses_portrait.jpg").read_bytes()
    )
    assert len(calls) == 1
