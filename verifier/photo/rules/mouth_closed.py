"""mouth_closed: lips together, measured as the inner-lip gap relative to mouth width."""

from __future__ import annotations

import numpy as np

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
from verifier.verdict import RuleResult


class MouthClosed(PhotoRule):
    name = "mouth_closed"
    messages = Messages(
        pass_nb="Munnen er lukket.",
        pass_en="The mouth is closed.",
        fix_nb="Lukk munnen og hold leppene avslappet.",
        fix_en="Close your mouth and keep your lips relaxed.",
    )

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        width = float(
            np.linalg.norm(face.xy(lm.MOUTH_LEFT_CORNER) - face.xy(lm.MOUTH_RIGHT_CORNER))
        )
        gaps = [float(np.linalg.norm(face.xy(u) - face.xy(d))) for u, d in lm.INNER_LIP_PAIRS]
        gap = max(gaps) / width if width > 0 else 0.0
        return Measurement(
            value=gap,
            details={"jaw_open": face.blendshapes.get("jawOpen", 0.0)},
            regions=(face.mouth_region(),),
        )

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.expression
        status = grade_high_is_bad(m.value, p.mouth_gap_pass, p.mouth_gap_fail)
        return self.result(
            status,
            m,
            f"lip gap / mouth width <= {p.mouth_gap_pass:.2f} (fail > {p.mouth_gap_fail:.2f})",
        )
