"""single_face: no second face of meaningful size (a poster face far behind is ignored)."""

from __future__ import annotations

from verifier.photo.analysis import DetectedFace, FaceAnalysis
from verifier.photo.rules.base import CheckContext, Measurement, Messages, PhotoRule
from verifier.policy import Policy
from verifier.verdict import Region, RuleResult, Status


class SingleFace(PhotoRule):
    name = "single_face"
    messages = Messages(
        pass_nb="Bare ett ansikt i bildet.",
        pass_en="Only one face in the photo.",
        fix_nb="Det er flere personer i bildet. Ta bildet med bare deg selv.",
        fix_en="There is more than one person in the photo. Take it with only yourself in it.",
    )

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        others = analysis.faces[1:]
        # The largest other face relative to the main one: 0 when alone.
        ratio = max((o.ied / face.ied for o in others), default=0.0)
        regions = tuple(
            Region("box", ((o.bbox[0], o.bbox[1]), (o.bbox[2], o.bbox[3])), "other face")
            for o in others
        )
        return Measurement(
            value=ratio, details={"faces": float(len(analysis.faces))}, regions=regions
        )

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        limit = policy.faces.second_face_min_ied_ratio
        status = Status.FAIL if m.value >= limit else Status.PASS
        return self.result(status, m, f"other face size < {limit:.2f} x main face")
