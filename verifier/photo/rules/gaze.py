"""gaze: the irises sit in the middle of the eyes, i.e. the person looks into the camera."""

from __future__ import annotations

import math

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
from verifier.verdict import Region, RuleResult, combine


def iris_offset(face: DetectedFace, iris: int, outer: int, inner: int) -> tuple[float, float]:
    """Iris centre relative to the eye-corner midpoint, in eye widths, along and across the eye."""
    a, b = face.xy(outer), face.xy(inner)
    axis = b - a
    width = float(np.linalg.norm(axis))
    if width == 0:
        return 0.0, 0.0
    along = axis / width
    across = np.array([-along[1], along[0]])
    rel = face.xy(iris) - (a + b) / 2
    return float(rel @ along) / width, float(rel @ across) / width


# An iris that moves by 0.4 eye widths has turned ~90 degrees: a 12 mm eyeball radius under a
# ~30 mm wide eye opening.
IRIS_TRAVEL_EYE_WIDTHS = 0.4


def eye_turn_deg(offset: float) -> float:
    return math.degrees(math.asin(max(-1.0, min(1.0, offset / IRIS_TRAVEL_EYE_WIDTHS))))


class Gaze(PhotoRule):
    name = "gaze"
    messages = Messages(
        pass_nb="Blikket er rettet mot kameraet.",
        pass_en="The eyes look into the camera.",
        fix_nb="Se rett inn i kameraet.",
        fix_en="Look straight into the camera.",
    )

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        rh, rv = iris_offset(face, lm.RIGHT_IRIS_CENTRE, lm.RIGHT_EYE_OUTER, lm.RIGHT_EYE_INNER)
        lh, lv = iris_offset(face, lm.LEFT_IRIS_CENTRE, lm.LEFT_EYE_OUTER, lm.LEFT_EYE_INNER)
        # The two eyes' "along" axes point opposite ways (outer→inner): flip one so that
        # both measure the same gaze direction, then average.
        horizontal = (rh - lh) / 2
        vertical = (rv + lv) / 2
        irises = tuple(
            Region("points", ((float(face.xy(i)[0]), float(face.xy(i)[1])),), "iris")
            for i in (lm.RIGHT_IRIS_CENTRE, lm.LEFT_IRIS_CENTRE)
        )
        # Where the eyes point relative to the camera: the head's yaw plus the eyes' own turn
        # (both positive towards the image's right).
        direction = face.pose.yaw + eye_turn_deg(horizontal)
        return Measurement(
            value=direction,
            details={
                "horizontal_deg": direction,
                "iris_horizontal": horizontal,
                "vertical": vertical,
            },
            regions=face.eye_regions() + irises,
        )

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.gaze
        status = combine(
            (
                grade_high_is_bad(
                    abs(m.details["horizontal_deg"]), p.horizontal_pass_deg, p.horizontal_fail_deg
                ),
                grade_high_is_bad(abs(m.details["vertical"]), p.vertical_pass, p.vertical_fail),
            )
        )
        threshold = (
            f"gaze <= {p.horizontal_pass_deg:g}° sideways (fail > {p.horizontal_fail_deg:g}°), "
            f"iris offset <= {p.vertical_pass:.2f} eye widths up/down"
        )
        return self.result(status, m, threshold)
