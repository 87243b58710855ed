"""The expression classifier (face-api's FaceExpressionNet rebuilt for onnxruntime), its face
crop, and how expression_neutral reads it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.photo.support import IMAGES, image_bytes
from verifier.decode import decode_image
from verifier.photo.analysis import FaceAnalysis, analyse
from verifier.photo.check import check_photo_detailed
from verifier.photo.expression_model import (
    EXPRESSIONS,
    INPUT_SIDE,
    ExpressionReading,
    classify_expression,
    expression_crop,
)
from verifier.policy import Policy, default_policy
from verifier.verdict import Status

REFERENCE = Path(__file__).parent / "data" / "face_expression_reference.json"
POLICY = default_policy()


def _analysed(name: str) -> FaceAnalysis:
    return analyse(decode_image(image_bytes(name), POLICY.decode))


def _policy_with_review_above(limit: float) -> Policy:
    return dataclasses.replace(
        POLICY, expression=dataclasses.replace(POLICY.expression, model_review_above=limit)
    )


@pytest.mark.parametrize(
    "entry", json.loads(REFERENCE.read_text())["inputs"], ids=lambda entry: entry["name"]
)
def test_the_port_gives_what_face_api_itself_gives(entry: dict[str, object]) -> None:
    """Probabilities computed by face-api's own JavaScript on the package's weights
    (scripts/face_expression_reference.mjs) for the same 112 px pixels."""
    bgr = cv2.imread(str(IMAGES / Path(str(entry["source"])).name))
    assert bgr is not None
    rgb = cv2.resize(
        cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), (INPUT_SIDE, INPUT_SIDE), interpolation=cv2.INTER_AREA
    )
    assert hashlib.sha256(rgb.tobytes()).hexdigest() == entry["sha256"], "not the same pixels"
    reading = classify_expression(np.ascontiguousarray(rgb))
    assert list(reading.probabilities) == list(EXPRESSIONS)
    expected = entry["probabilities"]
    assert isinstance(expected, list)
    for name, value in zip(EXPRESSIONS, expected, strict=True):
        assert reading.probabilities[name] == pytest.approx(value, abs=1e-5), name


def test_not_neutral_sums_the_forbidden_expressions_and_leaves_out_neutral_and_sad() -> None:
    reading = ExpressionReading(
        {
            "neutral": 0.2,
            "happy": 0.1,
            "sad": 0.4,
            "angry": 0.15,
            "fearful": 0.05,
            "disgusted": 0.05,
            "surprised": 0.05,
        }
    )
    assert reading.not_neutral == pytest.approx(0.4)


def test_a_wide_smile_reads_happy() -> None:
    reading = _analysed("astronaut_smiling.png").expression
    assert reading is not None
    assert max(reading.probabilities, key=lambda k: reading.probabilities[k]) == "happy"
    assert reading.not_neutral > 0.85


def test_the_crop_is_the_face_padded_with_black_to_a_square() -> None:
    analysis = _analysed("compliant_portrait.jpg")
    face = analysis.main
    assert face is not None
    crop = expression_crop(analysis.rgb, face.points, face.right_eye_centre, face.left_eye_centre)
    assert crop.shape == (INPUT_SIDE, INPUT_SIDE, 3) and crop.dtype == np.uint8
    # The box (ear to ear, brows to chin) is wider than tall: black rows above and below, as
    # face-api pads; the photo fills the middle.
    assert crop[:3].max() == 0 and crop[-3:].max() == 0
    assert crop[20:-20].mean() > 60


def test_a_tilted_head_is_turned_level_before_it_is_read() -> None:
    upright = _analysed("compliant_portrait.jpg").expression
    tilted = _analysed("roll_20.jpg").expression
    assert upright is not None and tilted is not None
    for name in EXPRESSIONS:
        assert tilted.probabilities[name] == pytest.approx(upright.probabilities[name], abs=0.1)


def test_a_face_the_classifier_reads_as_expressive_goes_to_review_never_to_fail() -> None:
    data = image_bytes("compliant_portrait.jpg")
    default = check_photo_detailed(data).verdict.result("expression_neutral")
    assert default is not None and default.status is Status.PASS
    reading = float(default.details["not_neutral"])
    assert 0.0 <= reading <= POLICY.expression.model_review_above

    # The same photo judged with a limit just below its reading: the classifier alone holds it.
    policy = _policy_with_review_above(reading * 0.9)
    held = check_photo_detailed(data, policy=policy).verdict.result("expression_neutral")
    assert held is not None and held.status is Status.REVIEW
    assert held.details["not_neutral"] == pytest.approx(reading)
    assert "Relax your whole face" in held.message_en
    # However sure the classifier is, it does not fail a photo on its own.
    strict = _policy_with_review_above(0.0)
    result = check_photo_detailed(data, policy=strict).verdict.result("expression_neutral")
    assert result is not None and result.status is Status.REVIEW


def test_each_forbidden_expression_is_reported_for_the_reviewer() -> None:
    result = check_photo_detailed(image_bytes("astronaut_smiling.png")).verdict.result(
        "expression_neutral"
    )
    assert result is not None
    named = {k.removeprefix("classifier_"): float(v) for k, v in result.details.items()}
    for name in ("happy", "angry", "fearful", "disgusted", "surprised"):
        assert 0.0 <= named[name] <= 1.0
    assert named["happy"] > 0.5
    forbidden = sum(named[n] for n in ("happy", "angry", "fearful", "disgusted", "surprised"))
    assert float(result.details["not_neutral"]) == pytest.approx(forbidden, abs=1e-6)
