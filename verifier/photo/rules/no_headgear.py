"""no_headgear: no hat, cap, hood, scarf, helmet or other head covering.

Above the forehead (the crown, up to the estimated top of the skull) a bare head shows hair,
skin or the background behind it. The rule measures the share of that area which is none of
these: not skin-coloured (against the cheeks), not background-coloured (against the background
outside the person), and outside the colours hair has (hair is never white, blue or green, nor
strongly saturated). That is what fabric, felt and helmets look like.

A covering worn for religious reasons is allowed when the face is fully visible: with
`religious_headgear_declared` a detected covering goes to a person (`review`) instead of `fail`.
"""

from __future__ import annotations

import numpy as np

from verifier.photo.analysis import DetectedFace, FaceAnalysis
from verifier.photo.rules.base import (
    CheckContext,
    Measurement,
    Messages,
    PhotoRule,
    grade_high_is_bad,
)
from verifier.photo.skin import skin_reference
from verifier.policy import Policy
from verifier.verdict import RuleResult, Status

# The crown in IED units of the aligned face (origin between the eyes, y down); the mesh ends
# at about -0.9 (upper forehead), the skull at about -1.9.
CROWN = (-0.75, -2.0, 0.75, -1.1)
BACKGROUND_DELTA_E = 6.0  # CIELAB distance under which a pixel matches the background
# Hair colours: L* up to ~68 (platinum blond), a*/b* not negative (no blue/green), chroma < 35.
HAIR_MAX_L = 68.0
HAIR_MIN_AB = -4.0
HAIR_MAX_CHROMA = 35.0


class NoHeadgear(PhotoRule):
    name = "no_headgear"
    messages = Messages(
        pass_nb="Ingen hodeplagg.",
        pass_en="No head covering.",
        fix_nb="Ta av deg lue, caps, hette eller annet hodeplagg.",
        fix_en="Take off your hat, cap, hood or other head covering.",
    )
    religious_nb = (
        "Hodeplagg av religiøse grunner er tillatt når hele ansiktet vises. En saksbehandler kontrollerer bildet."
    )
    religious_en = (
        "Religious head coverings are allowed when the whole face shows. A case handler will check the photo."
    )

    def measure_face(self, analysis: FaceAnalysis, face: DetectedFace) -> Measurement:
        aligned = analysis.aligned
        sample = analysis.background
        assert aligned is not None and sample is not None  # a main face exists
        rows, cols = aligned.box(*CROWN)
        inside = aligned.valid[rows, cols]
        lab = aligned.lab[rows, cols][inside]
        luma = aligned.linear_luma[rows, cols][inside]
        region = (aligned.region(*CROWN, "crown"),)
        if lab.shape[0] < 20:  # the crown is outside the photo: nothing to judge
            return Measurement(value=0.0, details={"crown_pixels": float(lab.shape[0])}, regions=region)
        reference = skin_reference(aligned)
        skin = reference.like(lab, luma)
        # Every 7th background pixel: a median of thousands is as good as of all of them.
        background_lab = sample.lab[sample.background][::7]
        if background_lab.shape[0] >= 20:
            background_colour = np.median(background_lab, axis=0)
            background = np.linalg.norm(lab - background_colour, axis=1) < BACKGROUND_DELTA_E
        else:
            background = np.zeros(lab.shape[0], dtype=bool)
        chroma = np.hypot(lab[:, 1], lab[:, 2])
        not_hair = (
            (lab[:, 0] > HAIR_MAX_L)
            | (lab[:, 1] < HAIR_MIN_AB)
            | (lab[:, 2] < HAIR_MIN_AB)
            | (chroma > HAIR_MAX_CHROMA)
        )
        covering = ~skin & ~background & not_hair
        share = float(covering.mean())
        return Measurement(
            value=share,
            details={
                "covering_share": share,
                "skin_share": float(skin.mean()),
                "background_share": float(background.mean()),
                "crown_pixels": float(lab.shape[0]),
            },
            regions=region,
        )

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.no_headgear
        threshold = (
            f"covering-coloured share of the crown <= {p.covering_share_pass:.0%} "
            f"(fail > {p.covering_share_fail:.0%})"
        )
        status = grade_high_is_bad(m.value, p.covering_share_pass, p.covering_share_fail)
        if status is Status.FAIL and context.religious_headgear_declared:
            return self.result(Status.REVIEW, m, threshold, fix_nb=self.religious_nb, fix_en=self.religious_en)
        return self.result(status, m, threshold)
