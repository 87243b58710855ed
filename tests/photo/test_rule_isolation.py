"""A rule that raises is recorded as `review` with the error's reason; every other rule's
result stands (the real checker on a real portrait, with one faulty rule added)."""

from __future__ import annotations

from typing import ClassVar

import pytest

from tests.photo.support import image_bytes
from verifier.decode import decode_image
from verifier.model_files import ModelFileError
from verifier.photo.analysis import DetectedFace, FaceAnalysis
from verifier.photo.check import run_rules
from verifier.photo.rules import ALL_RULES
from verifier.photo.rules.base import CheckContext, Measurement, Messages, PhotoRule
from verifier.photo.verdict import PhotoVerdict
from verifier.photo.working_resolution import analyse_at_working_resolution
from verifier.policy import Policy, default_policy
from verifier.verdict import RuleResult, Status


class BrokenRule(PhotoRule):
    name: ClassVar[str] = "broken_rule"
    messages: ClassVar[Messages] = Messages("ok", "ok", "fix", "fix")

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        raise ZeroDivisionError("float division by zero in the measure")

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        raise AssertionError("never reached")  # pragma: no cover


@pytest.fixture(scope="module")
def analysis() -> FaceAnalysis:
    policy = default_policy()
    image = decode_image(image_bytes("compliant_portrait.jpg"), policy.decode)
    return analyse_at_working_resolution(image, policy.faces, policy.segmentation)[1]


def test_a_rule_that_raises_is_review_with_its_reason_and_the_others_stand(
    analysis: FaceAnalysis, caplog: pytest.LogCaptureFixture
) -> None:
    policy = default_policy()
    rules = (*ALL_RULES[:5], BrokenRule(), *ALL_RULES[5:])
    results = run_rules(analysis, policy, CheckContext(), rules)
    assert [r.rule for r in results] == [r.name for r in rules]
    broken = next(r for r in results if r.rule == "broken_rule")
    assert broken.status is Status.REVIEW
    assert broken.details["error"] == "ZeroDivisionError: float division by zero in the measure"
    assert broken.message_en and broken.message_nb
    assert "broken_rule" in caplog.text  # logged, not swallowed
    # The compliant portrait passes every real rule, with or without the broken one beside it.
    assert all(r.status is Status.PASS for r in results if r.rule != "broken_rule")
    verdict = PhotoVerdict.from_results(results, policy.version)
    assert verdict.status is Status.REVIEW


class RuleWithoutItsModel(BrokenRule):
    name: ClassVar[str] = "rule_without_its_model"

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        raise ModelFileError("model file models/x.tflite is missing")


def test_a_missing_model_file_still_stops_the_check(analysis: FaceAnalysis) -> None:
    """A deployment without its verified model files must not quietly send every photo to
    review: that error is not isolated."""
    with pytest.raises(ModelFileError, match="missing"):
        run_rules(analysis, default_policy(), CheckContext(), (RuleWithoutItsModel(),))


class RuleWithoutItsRuntime(BrokenRule):
    name: ClassVar[str] = "rule_without_its_runtime"

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        import ai_edge_litert_not_installed  # noqa: F401

        raise AssertionError("never reached")  # pragma: no cover


def test_a_missing_model_runtime_still_stops_the_check(analysis: FaceAnalysis) -> None:
    """A model runtime missing from the environment (a package not installed) is the
    deployment's fault like a missing model file: it stops the check instead of sending every
    photo to review."""
    with pytest.raises(ImportError, match="ai_edge_litert_not_installed"):
        run_rules(analysis, default_policy(), CheckContext(), (RuleWithoutItsRuntime(),))
