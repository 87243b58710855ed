"""face_present: the landmarker found a face at all."""

from __future__ import annotations

from verifier.photo.analysis import FaceAnalysis
from verifier.photo.rules.base import CheckContext, Measurement, Messages, PhotoRule
from verifier.policy import Policy
from verifier.verdict import RuleResult, Status


class FacePresent(PhotoRule):
    name = "face_present"
    needs_face = False
    messages = Messages(
        pass_nb="Ansiktet er funnet.",
        pass_en="A face was found.",
        fix_nb="Vi fant ikke noe ansikt. Ta bildet forfra med hele ansiktet synlig og godt lys.",
        fix_en="No face was found. Take the photo from the front with your whole face visible and good light.",
    )

    def measure(self, analysis: FaceAnalysis, policy: Policy) -> Measurement:
        return Measurement(value=float(len(analysis.faces)))

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        return self.result(Status.PASS if m.value >= 1 else Status.FAIL, m, ">= 1 face")
