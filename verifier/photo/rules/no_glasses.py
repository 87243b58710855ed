"""no_glasses: no spectacles or sunglasses.

Frames are thin lines that skin does not have: across the nose bridge, along the lower rims and
from the eyes to the ears. Each is measured as the brightness step (in stops, so the same on
light and dark skin) of the strongest thin horizontal line in that strip, against the rows just
above and below it. Sunglasses also darken the whole eye area far below the cheeks.

The brows are thin dark lines every face has, and heavy brows reach the nose bridge (they can
meet above it) and the temples. So the bridge and temple strips begin below this person's own
brows, at the brows' lower edge from the landmarks: a dark brow on any skin is not read as a
frame, while a frame's bridge and arms, which sit below the brows, are still measured.
"""

from __future__ import annotations

import numpy as np

from verifier.photo import landmarks as lm
from verifier.photo.aligned import AlignedFace
from verifier.photo.analysis import DetectedFace, FaceAnalysis
from verifier.photo.rules.base import (
    CheckContext,
    Measurement,
    Messages,
    PhotoRule,
    grade_high_is_bad,
    grade_low_is_bad,
)
from verifier.photo.skin import skin_reference
from verifier.policy import Policy
from verifier.verdict import RuleResult, Status, combine

# Strips in IED units of the aligned face (origin between the eyes, y down).
BRIDGE = (-0.15, -0.45, 0.15, 0.1)
RIMS = ((-0.9, 0.2, -0.5, 0.6), (0.5, 0.2, 0.9, 0.6))
TEMPLES = ((-1.1, -0.3, -0.9, 0.25), (0.9, -0.3, 1.1, 0.25))
LENSES = ((-0.8, -0.2, -0.2, 0.2), (0.2, -0.2, 0.8, 0.2))
# A frame line is about 0.05-0.1 IED thick: compare each row with rows this far (aligned px) away.
LINE_HALF_WIDTH_PX = 3
# Strips start this far (IED, 2 aligned pixels) below the landmarks of the brow's lower edge, so
# the brow's own dark-to-skin edge is outside them; more would cut off the top bar and arms of
# frames worn close to drooping brows.
BROW_CLEARANCE = 0.05


def line_contrast(aligned: AlignedFace, box: tuple[float, float, float, float]) -> float:
    """Stops by which the strongest thin horizontal line in the box stands out (dark or bright)."""
    rows, cols = aligned.box(*box)
    d = LINE_HALF_WIDTH_PX
    log_luma = aligned.log_luma
    top, bottom = max(0, rows.start - d), min(log_luma.shape[0], rows.stop + d)
    profile = log_luma[top:bottom, cols].mean(axis=1)
    if profile.size <= 2 * d:
        return 0.0
    above, middle, below = profile[: -2 * d], profile[d:-d], profile[2 * d :]
    darker = np.minimum(above, below) - middle
    brighter = middle - np.maximum(above, below)
    return float(max(darker.max(), brighter.max(), 0.0))


Box = tuple[float, float, float, float]


def below_brows(aligned: AlignedFace) -> tuple[Box, tuple[Box, Box]]:
    """The bridge strip and the two temple strips, each starting below this face's brows (the
    inner brow ends for the bridge, the outer ends for the temples), never lower than the middle
    of its strip's usual height."""

    def brow_bottom(index: int) -> float:
        return float(aligned.ied_xy(index)[1]) + BROW_CLEARANCE

    def start(box: Box, brow_y: float) -> Box:
        x0, y0, x1, y1 = box
        return (x0, min(max(y0, brow_y), (y0 + y1) / 2), x1, y1)

    inner = max(brow_bottom(lm.RIGHT_BROW_LOWER[-1]), brow_bottom(lm.LEFT_BROW_LOWER[-1]))
    bridge = start(BRIDGE, inner)
    temples = (
        start(TEMPLES[0], brow_bottom(lm.RIGHT_BROW_LOWER[0])),
        start(TEMPLES[1], brow_bottom(lm.LEFT_BROW_LOWER[0])),
    )
    return bridge, temples


class NoGlasses(PhotoRule):
    name = "no_glasses"
    messages = Messages(
        pass_nb="Ingen briller.",
        pass_en="No glasses.",
        fix_nb="Ta av deg briller eller solbriller.",
        fix_en="Take off your glasses or sunglasses.",
    )
    unsure_nb = "Det kan se ut som du har briller på. Ta dem av, så øynene vises uten innfatning eller gjenskinn."
    unsure_en = (
        "You may be wearing glasses. Take them off so your eyes show without frames or reflections."
    )

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        aligned = analysis.aligned
        assert aligned is not None  # a main face exists
        bridge_box, temple_boxes = below_brows(aligned)
        bridge = line_contrast(aligned, bridge_box)
        # Both rims and both temple arms show on glasses: the weaker side counts.
        rim = min(line_contrast(aligned, box) for box in RIMS)
        temple = min(line_contrast(aligned, box) for box in temple_boxes)
        reference = skin_reference(aligned)
        lens_luma = []
        for box in LENSES:
            rows, cols = aligned.box(*box)
            lens_luma.append(float(np.median(aligned.linear_luma[rows, cols])))
        lens = float(np.log2((max(lens_luma) + 1e-3) / max(reference.luma, 1e-3)))
        frame = bridge + rim + temple
        return Measurement(
            value=frame,
            details={
                "frame_contrast_stops": frame,
                "bridge_line_stops": bridge,
                "rim_line_stops": rim,
                "temple_line_stops": temple,
                "lens_darkening_stops": lens,
            },
            regions=(
                aligned.region(*bridge_box, "bridge"),
                *(aligned.region(*box, "rim") for box in RIMS),
                *(aligned.region(*box, "temple") for box in temple_boxes),
            ),
        )

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.no_glasses
        frame = grade_high_is_bad(
            m.details["frame_contrast_stops"], p.frame_contrast_pass, p.frame_contrast_fail
        )
        lens = grade_low_is_bad(
            m.details["lens_darkening_stops"], p.lens_darkening_fail, p.lens_darkening_pass
        )
        status = combine((frame, lens))
        threshold = (
            f"frame line contrast <= {p.frame_contrast_pass:g} stops (fail > {p.frame_contrast_fail:g}); "
            f"eye area >= {p.lens_darkening_pass:g} stops vs cheeks (fail < {p.lens_darkening_fail:g})"
        )
        if status is Status.REVIEW:
            return self.result(status, m, threshold, fix_nb=self.unsure_nb, fix_en=self.unsure_en)
        return self.result(status, m, threshold)
