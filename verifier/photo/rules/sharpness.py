"""sharpness: the face is in focus at the scale the card prints it, and not blocky from heavy
JPEG compression."""

from __future__ import annotations

import cv2
import numpy as np

from verifier.photo import landmarks as lm
from verifier.photo.analysis import DetectedFace, FaceAnalysis
from verifier.photo.rules.base import (
    CheckContext,
    Measurement,
    Messages,
    PhotoRule,
    grade_high_is_bad,
    grade_low_is_bad,
)
from verifier.policy import Policy
from verifier.verdict import Region, RuleResult, combine


def inner_face_box(face: DetectedFace, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """Brows to mouth, cheek to cheek: textured skin and features, no hair or background."""
    ys = [face.xy(i)[1] for i in (*lm.RIGHT_BROW, *lm.LEFT_BROW)]
    x0 = face.xy(lm.RIGHT_EYE_OUTER)[0] - 0.15 * face.ied
    x1 = face.xy(lm.LEFT_EYE_OUTER)[0] + 0.15 * face.ied
    y0 = min(ys)
    y1 = face.xy(lm.LOWER_LIP_OUTER)[1]
    h, w = shape[:2]
    return (
        int(max(0, min(x0, x1))),
        int(max(0, y0)),
        int(min(w, max(x0, x1))),
        int(min(h, y1)),
    )


def focus_measure(gray: np.ndarray, ied: float, normalised_ied_px: float) -> float:
    """Variance of the Laplacian of the region resampled so the inter-eye distance is
    `normalised_ied_px` (`[sharpness]` of the policy: a card portrait at 300 dpi has about 64 px
    between the eyes, so "sharp" means sharp as printed)."""
    factor = normalised_ied_px / max(ied, 1.0)
    size = (max(8, round(gray.shape[1] * factor)), max(8, round(gray.shape[0] * factor)))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(gray, size, interpolation=interpolation)
    return float(cv2.Laplacian(resized, cv2.CV_64F, ksize=3).var())


def blockiness(gray: np.ndarray) -> float:
    """Gradient energy on the strongest 8-pixel grid phase over the mean of the other phases.

    Computed only on full-resolution pixels, where a JPEG's 8x8 block grid survives; the phase
    search makes it independent of where the grid starts after cropping or rotation.
    """
    g = gray.astype(np.float32)
    ratios = []
    for diff in (np.abs(np.diff(g, axis=1)).mean(axis=0), np.abs(np.diff(g, axis=0)).mean(axis=1)):
        n = (len(diff) // 8) * 8
        if n < 32:
            return 1.0
        phases = diff[:n].reshape(-1, 8).mean(axis=0)
        best = int(np.argmax(phases))
        others = np.delete(phases, best).mean()
        ratios.append(float(phases[best] / others) if others > 0 else 1.0)
    return min(ratios)  # blocks show on both axes; one strong axis alone is texture


class Sharpness(PhotoRule):
    name = "sharpness"
    messages = Messages(
        pass_nb="Bildet er skarpt.",
        pass_en="The photo is sharp.",
        fix_nb="Bildet er uskarpt. Hold telefonen stødig, tørk av linsen og la kameraet fokusere på ansiktet.",
        fix_en="The photo is blurred. Hold the phone steady, wipe the lens and let the camera focus on your face.",
    )
    blocky_nb = "Bildet er for hardt komprimert. Last opp originalbildet fra kameraet."
    blocky_en = "The photo is too heavily compressed. Upload the original photo from the camera."

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        x0, y0, x1, y1 = inner_face_box(face, analysis.rgb.shape[:2])
        crop = analysis.rgb[y0:y1, x0:x1]
        # Grey of the inner face only: converting the whole photo costs more than the measure.
        region = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.size else analysis.gray
        focus = focus_measure(region, face.ied, policy.sharpness.normalised_ied_px)
        details = {"focus": focus}
        if analysis.image.scale >= 1.0:
            details["blockiness"] = blockiness(region)
        box = Region("box", ((float(x0), float(y0)), (float(x1), float(y1))), "inner face")
        return Measurement(value=focus, details=details, regions=(box,))

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.sharpness
        focus_status = grade_low_is_bad(m.details["focus"], p.focus_fail, p.focus_pass)
        threshold = f"focus >= {p.focus_pass:g} (fail < {p.focus_fail:g}); blockiness <= {p.blockiness_pass:g}"
        if "blockiness" in m.details:
            block_status = grade_high_is_bad(
                m.details["blockiness"], p.blockiness_pass, p.blockiness_fail
            )
            if (
                block_status is not focus_status
                and combine((block_status, focus_status)) is block_status
            ):
                return self.result(
                    block_status, m, threshold, fix_nb=self.blocky_nb, fix_en=self.blocky_en
                )
        return self.result(focus_status, m, threshold)
