"""ears_visible: both ears show, not hidden by hair, a covering or a turned head.

Beside each face edge (landmarks 234 / 454) from eye to nose-tip height, an ear shows as skin:
the rule counts the rows of that strip holding skin-coloured pixels, compared with the cheek on
the same side (so side light and any skin tone are handled alike). Hair or a covering there is
not skin-coloured. A head turned far enough hides the far ear whatever the strip shows.
"""

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
from verifier.photo.skin import skin_reference
from verifier.policy import Policy
from verifier.verdict import RuleResult, Status, combine

# Ear strip: from just outside the face edge outwards, eye to nose-tip height (IED units).
EAR_NEAR, EAR_FAR = 0.0, 0.2
EAR_TOP, EAR_BOTTOM = -0.1, 0.7
# The same side's cheek is the colour reference.
CHEEK_BOXES = {"right": (-1.0, 0.0, -0.4, 0.9), "left": (0.4, 0.0, 1.0, 0.9)}
MIN_SKIN_PIXELS_PER_ROW = 2
# Ears sit in the head's shade more than the cheeks do: allow up to 1.5 stops of brightness.
EAR_BRIGHTNESS_STOPS = 1.5


class EarsVisible(PhotoRule):
    name = "ears_visible"
    messages = Messages(
        pass_nb="Begge ørene er synlige.",
        pass_en="Both ears are visible.",
        fix_nb="Begge ørene må synes. Legg håret bak ørene og se rett inn i kameraet.",
        fix_en="Both ears must show. Tuck your hair behind your ears and look straight at the camera.",
    )
    turned_nb = "Hodet er vridd, så det ene øret er skjult. Se rett inn i kameraet."
    turned_en = "Your head is turned, hiding one ear. Look straight into the camera."

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        aligned = analysis.aligned
        assert aligned is not None  # a main face exists
        shares: dict[str, float] = {}
        regions = []
        # "right"/"left" are the subject's sides: the subject's right ear is on the image's left.
        for side, edge_index, sign in (
            ("right", lm.RIGHT_FACE_EDGE, -1.0),
            ("left", lm.LEFT_FACE_EDGE, 1.0),
        ):
            reference = skin_reference(aligned, CHEEK_BOXES[side])
            edge_x = float(aligned.ied_xy(edge_index)[0])
            x0, x1 = sorted((edge_x + sign * EAR_NEAR, edge_x + sign * EAR_FAR))
            rows, cols = aligned.box(x0, EAR_TOP, x1, EAR_BOTTOM)
            skin = reference.like(
                aligned.lab[rows, cols], aligned.linear_luma[rows, cols], EAR_BRIGHTNESS_STOPS
            )
            skin &= aligned.valid[rows, cols]
            shares[side] = (
                float(np.mean(skin.sum(axis=1) >= MIN_SKIN_PIXELS_PER_ROW)) if skin.size else 0.0
            )
            regions.append(aligned.region(x0, EAR_TOP, x1, EAR_BOTTOM, f"{side} ear"))
        yaw = abs(face.pose.yaw)
        return Measurement(
            value=min(shares.values()),
            details={
                "right_ear_skin_rows": shares["right"],
                "left_ear_skin_rows": shares["left"],
                "abs_yaw_deg": yaw,
            },
            regions=tuple(regions),
        )

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.ears_visible
        threshold = (
            f"skin in >= {p.ear_skin_rows_pass:.0%} of each ear strip's rows "
            f"(fail < {p.ear_skin_rows_fail:.0%}), head turned <= {p.yaw_hides_ear_deg:g} deg"
        )
        turned = Status.FAIL if m.details["abs_yaw_deg"] > p.yaw_hides_ear_deg else Status.PASS
        covered = grade_low_is_bad(m.value, p.ear_skin_rows_fail, p.ear_skin_rows_pass)
        status = combine((turned, covered))
        if turned is Status.FAIL:
            return self.result(status, m, threshold, fix_nb=self.turned_nb, fix_en=self.turned_en)
        return self.result(status, m, threshold)
