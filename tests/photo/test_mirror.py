"""The second reading of the blendshapes from the mirror image: sides swapped back, asked for
only when expression_neutral's first reading is not a clear pass and the blendshapes, not the
mouth's or brows' shape, hold it back; switchable in the policy."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image

from tests.photo.support import IMAGES
from verifier.decode import decode_image
from verifier.photo.analysis import analyse
from verifier.photo.check import check_photo_detailed
from verifier.photo.face_landmarker import RawFace, detect_faces
from verifier.photo.mirror import mean_blendshapes, mirrored_blendshapes
from verifier.photo.rules.expression_neutral import geometric_status
from verifier.policy import Policy, default_policy
from verifier.verdict import RuleResult, Status

POLICY = default_policy()
MAX_FACES = POLICY.faces.max_faces


def _rgb(name: str) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(Image.open(IMAGES / name).convert("RGB")))


def test_the_mirror_reading_names_each_score_for_the_side_of_the_photo_it_was_asked_about() -> None:
    rgb = _rgb("cap_and_glasses_portrait.jpg")
    original = detect_faces(rgb, MAX_FACES)[0]
    flipped = np.ascontiguousarray(rgb[:, ::-1])
    # The face as seen in the flipped photo, located there:
    in_flipped = detect_faces(flipped, MAX_FACES)[0]
    h, w = flipped.shape[:2]
    centre = in_flipped.landmarks[:, :2].mean(axis=0) * (w, h)
    width = float(np.ptp(in_flipped.landmarks[:, 0]) * w)
    again = mirrored_blendshapes(flipped, centre, width, MAX_FACES)
    assert again is not None

    # The mirror of the flipped photo is the original photo, read by the same deterministic
    # model; its scores come back named for the flipped photo's face, whose left is the
    # original's right: eyeBlinkLeft here is the original's eyeBlinkRight.
    def other_side(name: str) -> str:
        if "Left" in name:
            return name.replace("Left", "Right")
        return name.replace("Right", "Left")

    assert again.keys() == original.blendshapes.keys()
    for name, score in again.items():
        assert score == pytest.approx(original.blendshapes[other_side(name)], abs=1e-6)
    assert any("Left" in name for name in again)


def test_no_face_at_that_place_in_the_mirror_gives_nothing() -> None:
    rgb = _rgb("cap_and_glasses_portrait.jpg")
    assert mirrored_blendshapes(rgb, np.array([5.0, 5.0]), 40.0, MAX_FACES) is None


def test_mean_keeps_every_first_score() -> None:
    assert mean_blendshapes({"a": 0.2, "b": 0.4}, {"a": 0.6}) == {"a": 0.4, "b": 0.4}


def _geometry_ignored() -> Policy:
    """The policy with the mouth and brow shape limits out of reach: only the blendshape
    scores can hold a photo back."""
    return dataclasses.replace(
        POLICY,
        expression=dataclasses.replace(
            POLICY.expression,
            mouth_width_pass=9.0,
            mouth_width_fail=9.5,
            corner_lift_pass=9.0,
            corner_lift_fail=9.5,
            brow_height_pass=9.0,
            brow_height_fail=9.5,
            wink_pass=0.98,
            wink_fail=0.99,
        ),
    )


def test_a_smile_only_the_blendshapes_show_is_read_twice_and_still_fails() -> None:
    verdict = check_photo_detailed(
        (IMAGES / "astronaut_smiling.png").read_bytes(), policy=_geometry_ignored()
    ).verdict
    result = verdict.result("expression_neutral")
    assert result is not None and result.status is Status.FAIL
    assert result.details["mirror_mean"] == 1.0


def _checked_counting_mirror_reads(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> tuple[RuleResult, list[int]]:
    """expression_neutral's result for a test image, and one entry per mirror reading asked for."""
    import verifier.photo.mirror as mirror_module

    calls: list[int] = []

    def no_faces(rgb: np.ndarray, max_faces: int) -> list[RawFace]:
        calls.append(1)
        return []

    monkeypatch.setattr(mirror_module, "detect_faces", no_faces)
    result = check_photo_detailed((IMAGES / name).read_bytes()).verdict.result("expression_neutral")
    assert result is not None
    return result, calls


def test_a_smile_the_mouth_shape_alone_fails_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    result, calls = _checked_counting_mirror_reads(monkeypatch, "astronaut_smiling.png")
    assert result.status is Status.FAIL
    assert geometric_status(result.details, POLICY) is Status.FAIL  # the shape alone fails it
    assert result.details["mirror_mean"] == 0.0 and calls == []


def test_a_clear_pass_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    result, calls = _checked_counting_mirror_reads(monkeypatch, "cap_and_glasses_portrait.jpg")
    assert result.status is Status.PASS
    assert result.details["mirror_mean"] == 0.0 and calls == []


def test_the_policy_can_switch_the_second_reading_off() -> None:
    off = dataclasses.replace(
        POLICY, expression=dataclasses.replace(POLICY.expression, mirror_when_doubtful=False)
    )
    verdict = check_photo_detailed(
        (IMAGES / "astronaut_smiling.png").read_bytes(), policy=off
    ).verdict
    result = verdict.result("expression_neutral")
    assert result is not None and result.details["mirror_mean"] == 0.0


def test_the_analysis_reads_the_mirror_once_and_keeps_it() -> None:
    analysis = analyse(decode_image((IMAGES / "astronaut_smiling.png").read_bytes(), POLICY.decode))
    first = analysis.mirrored_blendshapes
    assert first is not None and analysis.mirrored_blendshapes is first
