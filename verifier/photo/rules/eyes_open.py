"""eyes_open: both eyes open, measured as the lid gap relative to the eye's width."""

from __future__ import annotations

import numpy as np

from verifier.photo import landmarks as lm
from verifier.photo.analysis import DetectedFace, FaceAnalysis
from verifier.photo.rules.base import (
    CheckContext,
    Measurement,
    Messages,
    PhotoRule,
    grade_low_is_bad,
)
from verifier.policy import Policy
from verifier.verdict import RuleResult, combine


def eye_openness(
    face: DetectedFace, upper: tuple[int, ...], lower: tuple[int, ...], outer: int, inner: int
) -> float:
    """Mean upper-to-lower lid distance divided by corner-to-corner width (eye aspect ratio)."""
    gaps = [
        float(np.linalg.norm(face.xy(u) - face.xy(d))) for u, d in zip(upper, lower, strict=True)
    ]
    width = float(np.linalg.norm(face.xy(outer) - face.xy(inner)))
    return float(np.mean(gaps)) / width if width > 0 else 0.0


def both_eyes_openness(face: DetectedFace) -> tuple[float, float]:
    """(right eye, left eye) openness."""
    return (
        eye_openness(
            face, lm.RIGHT_EYE_UPPER, lm.RIGHT_EYE_LOWER, lm.RIGHT_EYE_OUTER, lm.RIGHT_EYE_INNER
        ),
        eye_openness(
            face, lm.LEFT_EYE_UPPER, lm.LEFT_EYE_LOWER, lm.LEFT_EYE_OUTER, lm.LEFT_EYE_INNER
        ),
    )


class EyesOpen(PhotoRule):
    name = "eyes_open"
    messages = Messages(
        pass_nb="Begge øynene er åpne.",
        pass_en="Both eyes are open.",
        fix_nb="Hold begge øynene åpne og se inn i kameraet.",
        fix_en="Keep both eyes open and look into the camera.",
    )

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        right, left = both_eyes_openness(face)
        return Measurement(
            value=min(right, left),
            details={
                "relative_openness": min(right, left) / max(right, left, 1e-6),
                "right_eye_openness": right,
                "left_eye_openness": left,
                "blink_right": face.blendshapes.get("eyeBlinkRight", 0.0),
                "blink_left": face.blendshapes.get("eyeBlinkLeft", 0.0),
            },
            regions=face.eye_regions(),
        )

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.eyes_open
        status = combine(
            (
                grade_low_is_bad(m.value, p.openness_fail, p.openness_pass),
                grade_low_is_bad(m.details["relative_openness"], p.relative_fail, p.relative_pass),
            )
        )
        return self.result(
            status,
            m,
            f"lid gap / eye width >= {p.openness_pass:.2f} (fail < {p.openness_fail:.2f}); "
            f"less open eye >= {p.relative_pass:.2f} x the other",
        )
