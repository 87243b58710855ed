"""plain_background: a light, plain, uniform background with no strong shadow behind the head.

The background is the photo outside the person (head and shoulders placed from the landmarks,
see verifier/photo/background_sample.py). Measured there, in CIELAB: how light its darker tenth is,
its median colour saturation, its texture (mean brightness gradient), and the brightness
difference between the band beside the head on its left and on its right (a cast shadow).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

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

MIN_BACKGROUND_PIXELS = 200  # reduced-image pixels; fewer: the photo is all person
MIN_BAND_PIXELS = 20
TEXTURE_UNIT_PER_FACE = 64.0


class PlainBackground(PhotoRule):
    name = "plain_background"
    messages = Messages(
        pass_nb="Bakgrunnen er lys og ensfarget.",
        pass_en="The background is light and plain.",
        fix_nb="Bruk en lys, ensfarget bakgrunn, for eksempel en hvit eller lysegrå vegg.",
        fix_en="Use a light, plain background, such as a white or light grey wall.",
    )
    fixes: ClassVar[dict[str, tuple[str, str]]] = {
        "dark": (
            "Bakgrunnen er for mørk. Stå foran en lys vegg (hvit eller lysegrå).",
            "The background is too dark. Stand in front of a light wall (white or light grey).",
        ),
        "colour": (
            "Bakgrunnen er farget. Bruk en hvit eller lysegrå vegg.",
            "The background is coloured. Use a white or light grey wall.",
        ),
        "texture": (
            "Bakgrunnen er ikke ensfarget (mønster eller gjenstander). Stå foran en glatt, ensfarget vegg.",
            "The background is not plain (pattern or objects). Stand in front of a smooth, plain wall.",
        ),
        "shadow": (
            "Det er en skygge bak hodet. Stå litt lenger fra veggen, og ha lyset forfra.",
            "There is a shadow behind your head. Stand a little further from the wall, with the light in front.",
        ),
        "missing": (
            "Det synes nesten ingen bakgrunn. Ta bildet på litt større avstand.",
            "Almost no background shows. Take the photo from a little further away.",
        ),
    }

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        sample = analysis.background
        assert sample is not None  # a main face exists
        mask = sample.background
        count = int(mask.sum())
        if count < MIN_BACKGROUND_PIXELS:
            return Measurement(
                value=float("nan"),
                details={"background_pixels": float(count)},
                regions=sample.regions(),
            )
        # Pixel indices first: boolean masks over the strided Lab channels cost several times more.
        lab = sample.lab.reshape(-1, 3)
        inside = np.flatnonzero(mask)
        background = lab[inside]
        values = background[:, 0]
        chroma = np.hypot(background[:, 1], background[:, 2])
        # A cast shadow falls on one side of the head (the light comes from the other); hair
        # sticking out of the head outline darkens both sides alike.
        shadow = 0.0
        left = lab[np.flatnonzero(sample.near_head & sample.image_left), 0]
        right = lab[np.flatnonzero(sample.near_head & ~sample.image_left), 0]
        if left.size >= MIN_BAND_PIXELS and right.size >= MIN_BAND_PIXELS:
            shadow = float(abs(np.median(left) - np.median(right)))
        dark_tenth = float(np.percentile(values, 10))
        return Measurement(
            value=dark_tenth,
            details={
                "background_pixels": float(count),
                "dark_tenth_l": dark_tenth,
                "median_l": float(np.median(values)),
                "saturation": float(np.median(chroma)),
                # Per 1/64 of the face width: the same pattern scores the same at any resolution.
                "texture": float(sample.gradient.reshape(-1)[inside].mean())
                * sample.face_width
                / TEXTURE_UNIT_PER_FACE,
                "shadow_l": shadow,
            },
            regions=sample.regions(),
        )

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.plain_background
        threshold = (
            f"median L* >= {p.median_pass_l:g} (fail < {p.median_fail_l:g}), "
            f"darker tenth L* >= {p.dark_tenth_pass_l:g} (fail < {p.dark_tenth_fail_l:g}), "
            f"saturation <= {p.saturation_pass:g} (fail > {p.saturation_fail:g}), "
            f"texture <= {p.texture_pass:g} (fail > {p.texture_fail:g}), "
            f"shadow beside head <= {p.shadow_pass_l:g} L* (fail > {p.shadow_fail_l:g})"
        )
        d = m.details
        if "dark_tenth_l" not in d:
            nb, en = self.fixes["missing"]
            return self.result(Status.REVIEW, m, threshold, fix_nb=nb, fix_en=en)
        # Dict order breaks ties: the most specific advice first.
        grades = {
            "shadow": grade_high_is_bad(d["shadow_l"], p.shadow_pass_l, p.shadow_fail_l),
            "texture": grade_high_is_bad(d["texture"], p.texture_pass, p.texture_fail),
            "colour": grade_high_is_bad(d["saturation"], p.saturation_pass, p.saturation_fail),
            "dark": combine(
                (
                    grade_low_is_bad(d["dark_tenth_l"], p.dark_tenth_fail_l, p.dark_tenth_pass_l),
                    grade_low_is_bad(d["median_l"], p.median_fail_l, p.median_pass_l),
                )
            ),
        }
        worst = max(grades, key=lambda k: severity(grades[k]))
        status = grades[worst]
        if status is Status.PASS:
            return self.result(status, m, threshold)
        nb, en = self.fixes[worst]
        return self.result(status, m, threshold, fix_nb=nb, fix_en=en)
