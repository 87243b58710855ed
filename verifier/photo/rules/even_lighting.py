"""even_lighting: both halves of the face equally lit, no flash hot spots.

Measured on skin in linear light, as ratios (stops): a ratio does not depend on how dark the
skin is, only on how the light falls on it.
"""

from __future__ import annotations

import cv2
import numpy as np

from verifier.photo.aligned import AlignedFace
from verifier.photo.analysis import DetectedFace, FaceAnalysis
from verifier.photo.rules.base import (
    CheckContext,
    Measurement,
    Messages,
    PhotoRule,
    grade_high_is_bad,
)
from verifier.policy import Policy
from verifier.verdict import RuleResult, Status, combine, severity

# Areas in IED units of the aligned face (origin between the eyes, y down).
IMAGE_LEFT_CHEEK = (-1.0, 0.1, -0.25, 1.2)
IMAGE_RIGHT_CHEEK = (0.25, 0.1, 1.0, 1.2)
FOREHEAD = (-0.6, -0.9, 0.6, -0.35)
CHIN = (-0.4, 1.45, 0.4, 2.0)
# A hot spot: one patch of clipped skin (linear 0.95 is sRGB ~250) at least half again as bright
# as the rest of the skin's median. Hard light leaves small clipped highlights on any face; glare
# makes one big one.
HOT_SPOT_LINEAR = 0.95
HOT_SPOT_FACTOR = 1.5
MIN_PIXELS = 20


def _median_luma(aligned: AlignedFace, box: tuple[float, float, float, float]) -> float:
    rows, cols = aligned.box(*box)
    values = aligned.linear_luma[rows, cols][aligned.skin[rows, cols]]
    return float(np.median(values)) if values.size >= MIN_PIXELS else float("nan")


def _stops(a: float, b: float) -> float:
    if not (a > 0 and b > 0):
        return 0.0
    return float(abs(np.log2(a / b)))


def _largest_hot_spot(aligned: AlignedFace, skin_median: float) -> int:
    """Pixel count of the largest connected patch of clipped, far-too-bright skin."""
    luma = aligned.linear_luma
    hot = ((luma > HOT_SPOT_LINEAR) & (luma > HOT_SPOT_FACTOR * skin_median) & aligned.skin).astype(
        np.uint8
    )
    if not hot.any():
        return 0
    count, _, stats, _ = cv2.connectedComponentsWithStats(hot, connectivity=8)
    return int(stats[1:, cv2.CC_STAT_AREA].max()) if count > 1 else 0


class EvenLighting(PhotoRule):
    name = "even_lighting"
    messages = Messages(
        pass_nb="Ansiktet er jevnt belyst.",
        pass_en="The face is evenly lit.",
        fix_nb="Ansiktet er ujevnt belyst. Stå vendt mot lyset, med jevnt lys på begge sider av ansiktet.",
        fix_en="The face is unevenly lit. Face the light, with even light on both sides of your face.",
    )
    side_nb = "Den ene siden av ansiktet er i skygge. Stå vendt mot lyset, eller flytt lampen rett foran deg."
    side_en = "One side of your face is in shadow. Face the light, or move the lamp straight in front of you."
    hot_nb = "Blitsen eller en lampe gir gjenskinn i ansiktet. Slå av blitsen og bruk mykt, indirekte lys."
    hot_en = "The flash or a lamp causes glare on your face. Turn off the flash and use soft, indirect light."

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        aligned = analysis.aligned
        assert aligned is not None  # a main face exists
        left = _median_luma(aligned, IMAGE_LEFT_CHEEK)
        right = _median_luma(aligned, IMAGE_RIGHT_CHEEK)
        forehead = _median_luma(aligned, FOREHEAD)
        chin = _median_luma(aligned, CHIN)
        cheeks = (
            float(np.nanmean([left, right])) if not (np.isnan(left) and np.isnan(right)) else 0.0
        )
        skin = aligned.linear_luma[aligned.skin]
        unclipped = skin[skin < HOT_SPOT_LINEAR]
        median = float(np.median(unclipped)) if unclipped.size else 1.0
        hot_share = _largest_hot_spot(aligned, median) / max(1, skin.size)
        side = _stops(left, right)
        return Measurement(
            value=side,
            details={
                "side_ratio_stops": side,
                "forehead_to_cheeks_stops": _stops(forehead, cheeks),
                "chin_to_cheeks_stops": _stops(chin, cheeks),
                "hot_spot_share": hot_share,
            },
            regions=(
                aligned.region(*IMAGE_LEFT_CHEEK, "cheek"),
                aligned.region(*IMAGE_RIGHT_CHEEK, "cheek"),
                aligned.region(*FOREHEAD, "forehead"),
                aligned.region(*CHIN, "chin"),
            ),
        )

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.even_lighting
        side = grade_high_is_bad(
            m.details["side_ratio_stops"], p.side_ratio_pass_stops, p.side_ratio_fail_stops
        )
        hot = grade_high_is_bad(m.details["hot_spot_share"], p.hot_spot_pass, p.hot_spot_fail)
        threshold = (
            f"left/right cheek <= {p.side_ratio_pass_stops:g} stops (fail > {p.side_ratio_fail_stops:g}), "
            f"largest glare patch <= {p.hot_spot_pass:.0%} of skin (fail > {p.hot_spot_fail:.0%})"
        )
        status = combine((side, hot))
        if status is Status.PASS:
            return self.result(status, m, threshold)
        if severity(side) >= severity(hot):
            return self.result(status, m, threshold, fix_nb=self.side_nb, fix_en=self.side_en)
        return self.result(status, m, threshold, fix_nb=self.hot_nb, fix_en=self.hot_en)
