"""exposure: the face is neither too dark nor too bright, and not clipped to black or white.

The skin's mean brightness mixes the light with the person's own tone: well exposed, very dark
skin is as dark as light skin under-exposed. So the light is also read from the eye whites,
which reflect alike in everyone: when they are lit, a dark skin mean is the skin's tone and
only clipping to black holds the photo back.
"""

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
from verifier.verdict import RuleResult, Status, combine, severity


class Exposure(PhotoRule):
    name = "exposure"
    messages = Messages(
        pass_nb="Ansiktet er riktig eksponert.",
        pass_en="The face is well exposed.",
        fix_nb="Ansiktet er for mørkt eller for lyst. Stå i jevnt dagslys, uten blits eller motlys.",
        fix_en="The face is too dark or too bright. Stand in even daylight, without flash or backlight.",
    )
    dark_nb = (
        "Ansiktet er for mørkt. Stå vendt mot et vindu eller en lyskilde, ikke med lyset bak deg."
    )
    dark_en = "The face is too dark. Face a window or a light, not with the light behind you."
    bright_nb = "Ansiktet er overeksponert. Slå av blitsen og unngå sterkt direkte lys."
    bright_en = "The face is overexposed. Turn off the flash and avoid strong direct light."

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        # Exposure is judged on skin only: eyes, brows and lips are legitimately dark.
        p = policy.exposure
        luma = analysis.skin_luma
        if luma.size == 0:
            luma = analysis.gray.ravel().astype(np.float64)
        return Measurement(
            value=float(luma.mean()),
            details={
                "mean_luma": float(luma.mean()),
                "dark_share": float(np.count_nonzero(luma <= p.dark_level) / luma.size),
                "bright_share": float(np.count_nonzero(luma >= p.bright_level) / luma.size),
                "p05": float(np.percentile(luma, 5)),
                "p95": float(np.percentile(luma, 95)),
                **eye_white_luma(analysis.gray, face),
            },
            regions=(face.oval_region(),),
        )

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.exposure
        d = m.details
        mean = d["mean_luma"]
        eyes_lit = (
            d.get("eye_white_pixels", 0.0) >= p.eye_white_min_pixels
            and d.get("eye_white_luma", 0.0) >= p.eye_white_lit_luma
        )
        dark = combine(
            (
                grade_high_is_bad(d["dark_share"], p.clipped_dark_pass, p.clipped_dark_fail),
                # Lit eye whites: a dark skin mean is the skin's own tone.
                Status.PASS
                if eyes_lit
                else grade_low_is_bad(mean, p.mean_luma_fail_low, p.mean_luma_pass_low),
            )
        )
        bright = combine(
            (
                grade_high_is_bad(d["bright_share"], p.clipped_bright_pass, p.clipped_bright_fail),
                grade_high_is_bad(mean, p.mean_luma_pass_high, p.mean_luma_fail_high),
            )
        )
        threshold = (
            f"face mean luma {p.mean_luma_pass_low:g}-{p.mean_luma_pass_high:g} (the lower end "
            f"waived when the eye whites read >= {p.eye_white_lit_luma:g}), clipped dark <= "
            f"{p.clipped_dark_pass:.0%}, clipped bright <= {p.clipped_bright_pass:.0%}"
        )
        status = combine((dark, bright))
        if status is Status.PASS:
            return self.result(status, m, threshold)
        if severity(dark) >= severity(bright):
            return self.result(status, m, threshold, fix_nb=self.dark_nb, fix_en=self.dark_en)
        return self.result(status, m, threshold, fix_nb=self.bright_nb, fix_en=self.bright_en)


def eye_white_luma(gray: np.ndarray, face: DetectedFace) -> dict[str, float]:
    """The eye whites' 75th-percentile luma (0-255) and their pixel count: inside both eye
    outlines, outside each iris (its ring's radius, widened by 15 % and a pixel for the limbus).
    The 75th percentile skips the lashes and the corners' shade."""
    eyes = (
        (lm.RIGHT_EYE_CONTOUR, lm.RIGHT_IRIS_CENTRE, lm.RIGHT_IRIS_RING),
        (lm.LEFT_EYE_CONTOUR, lm.LEFT_IRIS_CENTRE, lm.LEFT_IRIS_RING),
    )
    # Drawn in the box around both eyes only: a mask of the whole frame costs ten times more.
    outlines = [face.polygon(contour) for contour, _, _ in eyes]
    corner = np.floor(np.vstack(outlines).min(axis=0)).clip(0).astype(int)
    end = np.ceil(np.vstack(outlines).max(axis=0)).astype(int) + 1
    region = gray[corner[1] : end[1], corner[0] : end[0]]
    mask = np.zeros(region.shape, dtype=np.uint8)
    for outline, (_, centre, ring) in zip(outlines, eyes, strict=True):
        eye = np.zeros(region.shape, dtype=np.uint8)
        cv2.fillPoly(eye, [np.round(outline - corner).astype(np.int32)], 255)
        middle = face.xy(centre)
        radius = float(np.mean([np.linalg.norm(face.xy(i) - middle) for i in ring]))
        centre_px = (
            round(float(middle[0])) - int(corner[0]),
            round(float(middle[1])) - int(corner[1]),
        )
        cv2.circle(eye, centre_px, round(radius * 1.15) + 1, 0, -1)
        mask |= eye
    values = region[mask > 0]
    if values.size == 0:
        return {"eye_white_luma": 0.0, "eye_white_pixels": 0.0}
    return {
        "eye_white_luma": float(np.percentile(values, 75)),
        "eye_white_pixels": float(values.size),
    }
