"""expression_neutral: no smile (also closed-mouth), no raised brows, no frown."""

from __future__ import annotations

from verifier.photo import landmarks as lm
from verifier.photo.analysis import DetectedFace, FaceAnalysis
from verifier.photo.rules.base import (
    CheckContext,
    Measurement,
    Messages,
    PhotoRule,
    grade_high_is_bad,
)
from verifier.policy import Policy
from verifier.verdict import Region, RuleResult, Status, combine, severity


class ExpressionNeutral(PhotoRule):
    name = "expression_neutral"
    messages = Messages(
        pass_nb="Nøytralt ansiktsuttrykk.",
        pass_en="Neutral expression.",
        fix_nb="Ha et nøytralt ansiktsuttrykk: ikke smil, og slapp av i pannen og øyenbrynene.",
        fix_en="Keep a neutral expression: do not smile, and relax your forehead and eyebrows.",
    )

    def measure_face(self, analysis: FaceAnalysis, face: DetectedFace) -> Measurement:
        b = face.blendshapes
        smile = (b.get("mouthSmileLeft", 0.0) + b.get("mouthSmileRight", 0.0)) / 2
        brows_raised = max(
            b.get("browInnerUp", 0.0),
            (b.get("browOuterUpLeft", 0.0) + b.get("browOuterUpRight", 0.0)) / 2,
        )
        frown = (b.get("browDownLeft", 0.0) + b.get("browDownRight", 0.0)) / 2
        brows = (
            Region("line", tuple(map(tuple, face.polygon(lm.RIGHT_BROW).tolist())), "brow"),  # type: ignore[arg-type]
            Region("line", tuple(map(tuple, face.polygon(lm.LEFT_BROW).tolist())), "brow"),  # type: ignore[arg-type]
        )
        return Measurement(
            value=max(smile, brows_raised, frown),
            details={"smile": smile, "brows_raised": brows_raised, "frown": frown},
            regions=(face.mouth_region(), *brows),
        )

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.expression
        d = m.details
        parts = {
            "smile": grade_high_is_bad(d["smile"], p.smile_pass, p.smile_fail),
            "brows": grade_high_is_bad(max(d["brows_raised"], d["frown"]), p.brow_pass, p.brow_fail),
        }
        status = combine(parts.values())
        threshold = f"smile <= {p.smile_pass:.2f}, brows <= {p.brow_pass:.2f} (blendshape scores 0-1)"
        if parts["smile"] is not Status.PASS and severity(parts["smile"]) >= severity(parts["brows"]):
            return self.result(
                status,
                m,
                threshold,
                fix_nb="Ikke smil: hold munnen avslappet og lukket.",
                fix_en="Do not smile: keep your mouth relaxed and closed.",
            )
        if parts["brows"] is not Status.PASS:
            return self.result(
                status,
                m,
                threshold,
                fix_nb="Slapp av i pannen: ikke løft eller rynk øyenbrynene.",
                fix_en="Relax your forehead: do not raise or knit your eyebrows.",
            )
        return self.result(status, m, threshold)
