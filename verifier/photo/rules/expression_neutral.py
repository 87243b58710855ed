"""expression_neutral: no smile (closed-mouth smiles too), no raised brows, no frown, no wink.

Blendshape scores alone vary a lot between people at rest, so the smile and the raised brows
are also measured geometrically: a smile widens the mouth and lifts its corners; raised brows
move away from the eyelids. A frown with the mouth closed (anger) moves no landmark further than
brows differ between people at rest, so an expression classifier trained on many people's posed
expressions reads the whole face as well (verifier/photo/expression_model.py); what it alone
sees goes to review, never to fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from verifier.photo import landmarks as lm
from verifier.photo.analysis import DetectedFace, FaceAnalysis
from verifier.photo.expression_model import FORBIDDEN_EXPRESSIONS, ExpressionReading
from verifier.photo.mirror import mean_blendshapes
from verifier.photo.rules.base import (
    CheckContext,
    Measurement,
    Messages,
    PhotoRule,
    grade_high_is_bad,
)
from verifier.photo.rules.eyes_open import both_eyes_openness
from verifier.policy import Policy
from verifier.verdict import Region, RuleResult, Status, combine, severity


def mouth_shape(face: DetectedFace) -> tuple[float, float]:
    """(mouth width / IED, corner lift above the lip centre line in mouth widths), measured in
    the face's own upright frame so head roll does not matter."""
    up = face.up
    right = np.array([-up[1], up[0]])

    def frame(index: int) -> tuple[float, float]:
        p = face.xy(index)
        return float(p @ right), float(p @ up)

    left_corner, right_corner = frame(lm.MOUTH_LEFT_CORNER), frame(lm.MOUTH_RIGHT_CORNER)
    upper, lower = frame(lm.UPPER_LIP_INNER), frame(lm.LOWER_LIP_INNER)
    width = abs(left_corner[0] - right_corner[0])
    if width == 0 or face.ied == 0:
        return 0.0, 0.0
    centre = (upper[1] + lower[1]) / 2
    lift = ((left_corner[1] + right_corner[1]) / 2 - centre) / width
    return width / face.ied, lift


def brow_height(face: DetectedFace) -> float:
    """Mean brow height above the upper eyelids, in inter-eye distances."""
    up = face.up
    brows = np.mean([face.xy(i) @ up for i in (*lm.RIGHT_BROW, *lm.LEFT_BROW)])
    lids = np.mean([face.xy(i) @ up for i in (*lm.RIGHT_EYE_UPPER, *lm.LEFT_EYE_UPPER)])
    return float(brows - lids) / face.ied if face.ied else 0.0


def geometry_grades(details: Mapping[str, float | str], policy: Policy) -> dict[str, Status]:
    """The grades from the landmark geometry (mouth width, corner lift, brow height, wink)."""
    p = policy.expression

    def grade(key: str, pass_max: float, fail_above: float) -> Status:
        return grade_high_is_bad(float(details[key]), pass_max, fail_above)

    return {
        "mouth_width": grade("mouth_width", p.mouth_width_pass, p.mouth_width_fail),
        "corner_lift": grade("corner_lift", p.corner_lift_pass, p.corner_lift_fail),
        "brow_height": grade("brow_height", p.brow_height_pass, p.brow_height_fail),
        "wink": grade("wink", p.wink_pass, p.wink_fail),
    }


def classifier_grade(details: Mapping[str, float | str], policy: Policy) -> Status:
    """The expression classifier's grade: review above the policy's limit, never fail (the
    classifier reads some faces at rest as expressive, so what only it sees is left to a
    person)."""
    not_neutral = float(details["not_neutral"])
    return Status.REVIEW if not_neutral > policy.expression.model_review_above else Status.PASS


def geometric_status(details: Mapping[str, float | str], policy: Policy) -> Status:
    """The grade from the landmark geometry and the expression classifier: the part of the
    verdict no blendshape reading changes."""
    return combine((*geometry_grades(details, policy).values(), classifier_grade(details, policy)))


class ExpressionNeutral(PhotoRule):
    name = "expression_neutral"
    messages = Messages(
        pass_nb="Nøytralt ansiktsuttrykk.",
        pass_en="Neutral expression.",
        fix_nb="Ha et nøytralt ansiktsuttrykk: ikke smil, og slapp av i pannen og øyenbrynene.",
        fix_en="Keep a neutral expression: do not smile, and relax your forehead and eyebrows.",
    )
    hints: ClassVar[dict[str, tuple[str, str]]] = {
        "smile": (
            "Ikke smil: hold munnen avslappet og lukket.",
            "Do not smile: keep your mouth relaxed and closed.",
        ),
        "brows": (
            "Slapp av i pannen: ikke løft eller rynk øyenbrynene.",
            "Relax your forehead: do not raise or knit your eyebrows.",
        ),
        "wink": ("Hold begge øynene like åpne.", "Keep both eyes equally open."),
        "face": (
            "Slapp av i hele ansiktet: ikke rynk pannen, ikke løft øyenbrynene, ikke press "
            "leppene sammen, ikke smil.",
            "Relax your whole face: do not frown, raise your eyebrows, press your lips together "
            "or smile.",
        ),
    }

    def evaluate(self, analysis: FaceAnalysis, policy: Policy, context: CheckContext) -> RuleResult:
        first = super().evaluate(analysis, policy, context)
        face = analysis.main
        if (
            first.status is Status.PASS
            or face is None
            or not policy.expression.mirror_when_doubtful
        ):
            return first
        if severity(geometric_status(first.details, policy)) >= severity(first.status):
            # The mouth's or brows' shape or the classifier alone holds the photo back: a second
            # reading of the blendshapes cannot clear it, so the mirror pass (one more face
            # analysis) is skipped.
            return first
        # Not a clear pass: read the blendshapes from the mirror image too and judge their mean,
        # so one noisy reading near a threshold does not decide (verifier/photo/mirror.py).
        mirrored = analysis.mirrored_blendshapes
        if mirrored is None:
            return first
        both = mean_blendshapes(face.blendshapes, mirrored)
        measurement = self.measure_with(face, both, analysis.expression, mirror_mean=True)
        return self.judge(measurement, policy, context)

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        return self.measure_with(face, face.blendshapes, analysis.expression)

    def measure_with(
        self,
        face: DetectedFace,
        b: dict[str, float],
        reading: ExpressionReading | None,
        *,
        mirror_mean: bool = False,
    ) -> Measurement:
        """The measurement from these blendshape scores (the face's own, or their mean with the
        mirror image's), the face's geometry and the expression classifier's reading."""
        width, lift = mouth_shape(face)
        right_open, left_open = both_eyes_openness(face)
        wink = 1.0 - min(right_open, left_open) / max(right_open, left_open, 1e-6)
        details = {
            "smile": (b.get("mouthSmileLeft", 0.0) + b.get("mouthSmileRight", 0.0)) / 2,
            "mouth_width": width,
            "corner_lift": lift,
            "brows_raised": max(
                b.get("browInnerUp", 0.0),
                (b.get("browOuterUpLeft", 0.0) + b.get("browOuterUpRight", 0.0)) / 2,
            ),
            "brow_height": brow_height(face),
            "frown": (b.get("browDownLeft", 0.0) + b.get("browDownRight", 0.0)) / 2,
            "wink": wink,
            "mirror_mean": 1.0 if mirror_mean else 0.0,  # blendshapes averaged with the mirror
            # What the classifier reads: the share of a forbidden expression, and each one's.
            "not_neutral": reading.not_neutral if reading is not None else 0.0,
            **{
                f"classifier_{name}": (reading.probabilities[name] if reading is not None else 0.0)
                for name in FORBIDDEN_EXPRESSIONS
            },
        }
        brows = tuple(
            Region("line", tuple((float(x), float(y)) for x, y in face.polygon(indices)), "brow")
            for indices in (lm.RIGHT_BROW, lm.LEFT_BROW)
        )
        return Measurement(
            value=details["smile"], details=details, regions=(face.mouth_region(), *brows)
        )

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.expression
        d = m.details
        shape = geometry_grades(d, policy)
        parts = {
            "smile": combine(
                (
                    grade_high_is_bad(d["smile"], p.smile_pass, p.smile_fail),
                    shape["mouth_width"],
                    shape["corner_lift"],
                )
            ),
            "brows": combine(
                (
                    grade_high_is_bad(d["brows_raised"], p.brows_raised_pass, p.brows_raised_fail),
                    shape["brow_height"],
                    grade_high_is_bad(d["frown"], p.frown_pass, p.frown_fail),
                )
            ),
            "wink": shape["wink"],
            "face": classifier_grade(d, policy),
        }
        status = combine(parts.values())
        threshold = (
            f"smile <= {p.smile_pass:g}, mouth width <= {p.mouth_width_pass:g} IED, corner lift <= "
            f"{p.corner_lift_pass:g}, brow height <= {p.brow_height_pass:g} IED, frown <= "
            f"{p.frown_pass:g}, expression classifier not neutral <= {p.model_review_above:g}"
        )
        if status is Status.PASS:
            return self.result(status, m, threshold)
        worst = max(parts, key=lambda k: severity(parts[k]))
        nb, en = self.hints[worst]
        return self.result(status, m, threshold, fix_nb=nb, fix_en=en)
