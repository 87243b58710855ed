"""natural_colour: a colour photo whose skin tones are not pushed by a strong colour cast."""

from __future__ import annotations

import cv2
import numpy as np

from verifier.photo.analysis import DetectedFace, FaceAnalysis
from verifier.photo.rules.base import (
    CheckContext,
    Measurement,
    Messages,
    PhotoRule,
    grade_high_is_bad,
)
from verifier.policy import Policy
from verifier.verdict import RuleResult, Status

# Human skin of every tone lies in a narrow band of CIELAB hue: a* about 5-25 and b* about
# 5-35 under neutral light. The cast is the distance of the face's mean (a*, b*) from that band.
SKIN_A_RANGE = (5.0, 25.0)
SKIN_B_RANGE = (5.0, 35.0)


def distance_to_range(value: float, low: float, high: float) -> float:
    return max(low - value, 0.0, value - high)


class NaturalColour(PhotoRule):
    name = "natural_colour"
    messages = Messages(
        pass_nb="Naturlige farger.",
        pass_en="Natural colours.",
        fix_nb="Fargene er unaturlige. Bruk et fargebilde uten filter, tatt i nøytralt lys.",
        fix_en="The colours look unnatural. Use a colour photo without filters, taken in neutral light.",
    )
    grey_nb = "Bildet er i svart-hvitt. Last opp et fargebilde."
    grey_en = "The photo is black and white. Upload a colour photo."

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        pixels = analysis.skin_rgb if analysis.skin_rgb.size else analysis.rgb.reshape(-1, 3)
        lab = cv2.cvtColor(pixels.reshape(-1, 1, 3), cv2.COLOR_RGB2LAB).reshape(-1, 3)
        lab = lab.astype(np.float64)
        # OpenCV's 8-bit Lab stores a*, b* offset by 128.
        a = float(lab[:, 1].mean() - 128.0)
        b = float(lab[:, 2].mean() - 128.0)
        cast = float(
            np.hypot(distance_to_range(a, *SKIN_A_RANGE), distance_to_range(b, *SKIN_B_RANGE))
        )
        chroma = float(np.hypot(a, b))
        return Measurement(
            value=cast,
            details={
                "skin_a": a,
                "skin_b": b,
                "skin_chroma": chroma,
                "grayscale": 1.0 if analysis.image.was_grayscale else 0.0,
            },
            regions=(face.oval_region(),),
        )

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.natural_colour
        threshold = f"skin colour cast <= {p.colour_cast_pass:g} (CIELAB units; fail > {p.colour_cast_fail:g})"
        if m.details["grayscale"] > 0:
            return self.result(
                Status.FAIL, m, "colour photo", fix_nb=self.grey_nb, fix_en=self.grey_en
            )
        return self.result(
            grade_high_is_bad(m.value, p.colour_cast_pass, p.colour_cast_fail), m, threshold
        )
