"""no_headgear: no hat, cap, hood, scarf, helmet or other head covering.

Above the forehead (the crown, up to the estimated top of the skull) a bare head shows hair,
skin or the background behind it. The rule measures the share of that area which is none of
these: not skin-coloured (against the cheeks), not background-coloured (against the background
outside the person), and outside the colours hair has (hair is never white or light grey, never
green, cyan, blue or violet, nor strongly saturated). That is what fabric, felt and helmets look
like. Hair in coloured light is still hair: olive-tinted grey hair and dark hair under magenta
light lie outside the green-to-violet hue range, and bright blond hair keeps its chroma.

Crimson to maroon material (redder than melanin makes hair) is a covering or hair dyed
burgundy; colour cannot tell which, so it sends the photo to review and never fails it.

A covering worn for religious reasons is allowed when the face is fully visible: with
`religious_headgear_declared` every covering found, borderline or clear, goes to a person
(`review`) with a respectful message, never `fail` and never an instruction to take it off.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from verifier.photo.aligned import AlignedFace
from verifier.photo.analysis import DetectedFace, FaceAnalysis
from verifier.photo.background_sample import BackgroundSample
from verifier.photo.rules.base import (
    CheckContext,
    Measurement,
    Messages,
    PhotoRule,
    grade_high_is_bad,
)
from verifier.photo.rules.natural_colour import SKIN_A_RANGE, SKIN_B_RANGE
from verifier.photo.skin import skin_reference
from verifier.policy import NoHeadgearPolicy, Policy
from verifier.verdict import RuleResult, Status

# Where a covering sits, in IED units of the aligned face (origin between the eyes, y down): a
# band above the hairline (the mesh ends at the upper forehead, y ~ -0.9) and both temples.
AREAS = ((-0.8, -1.55, 0.8, -0.95), (-1.35, -0.9, -1.05, -0.1), (1.05, -0.9, 1.35, -0.1))
AREA_LABELS = ("above forehead", "temple", "temple")
# The colours hair has and fabric has, and what counts as background, are in the policy
# ([no_headgear]; see the comments there).


class NoHeadgear(PhotoRule):
    name = "no_headgear"
    messages = Messages(
        pass_nb="Ingen hodeplagg.",
        pass_en="No head covering.",
        fix_nb="Ta av deg lue, caps, hette eller annet hodeplagg.",
        fix_en="Take off your hat, cap, hood or other head covering.",
    )
    religious_nb = (
        "Takk for at du opplyste om religiøst hodeplagg. Det er tillatt når hele ansiktet vises, "
        "fra hårfestet til haken. En saksbehandler ser på bildet; du trenger ikke gjøre noe mer."
    )
    religious_en = (
        "Thank you for telling us about your religious head covering. It is allowed when the whole "
        "face shows, from hairline to chin. A reviewer looks at the photo; you need not do "
        "anything more."
    )

    crimson_nb = (
        "Vi er usikre på om du har på deg et hodeplagg. En saksbehandler ser på bildet. Har du "
        "lue eller annet hodeplagg, ta det av og ta et nytt bilde."
    )
    crimson_en = (
        "We are not sure whether you wear a head covering. A reviewer looks at the photo. If you "
        "wear a hat or other head covering, take it off and take a new photo."
    )

    def measure_face(
        self, analysis: FaceAnalysis, face: DetectedFace, policy: Policy
    ) -> Measurement:
        aligned = analysis.aligned
        sample = analysis.background
        assert aligned is not None and sample is not None  # a main face exists
        region = tuple(
            aligned.region(*box, label) for box, label in zip(AREAS, AREA_LABELS, strict=True)
        )
        share, details = covering_share(aligned, sample, AREAS, policy.no_headgear)
        return Measurement(value=share, details=details, regions=region)

    def judge(self, m: Measurement, policy: Policy, context: CheckContext) -> RuleResult:
        p = policy.no_headgear
        threshold = (
            f"covering-coloured share above the forehead and at the temples <= {p.covering_share_pass:.0%} "
            f"(fail > {p.covering_share_fail:.0%}; with crimson material, review above "
            f"{p.covering_share_pass:.0%})"
        )
        status = grade_high_is_bad(m.value, p.covering_share_pass, p.covering_share_fail)
        doubtful = (
            status is Status.PASS
            and m.value + m.details.get("crimson_share", 0.0) > p.covering_share_pass
        )
        if doubtful:
            # Crimson material is a covering or dyed hair: a person tells which.
            status = Status.REVIEW
        if status is not Status.PASS and context.religious_headgear_declared:
            # Declared: a person confirms the face shows. A borderline reading, too, must not
            # tell the employee to take the covering off.
            return self.result(
                Status.REVIEW, m, threshold, fix_nb=self.religious_nb, fix_en=self.religious_en
            )
        if doubtful:
            return self.result(status, m, threshold, fix_nb=self.crimson_nb, fix_en=self.crimson_en)
        return self.result(status, m, threshold)


@dataclass(frozen=True)
class HeadPixels:
    """The pixels of the boxes around the head, classified by what is known without colour
    rules of its own: skin (against the cheeks), background (against the background outside the
    person), and their CIELAB colour after the cheek white balance."""

    lab: np.ndarray  # (N, 3), white-balanced
    skin: np.ndarray  # (N,) bool
    background: np.ndarray  # (N,) bool
    grayscale: bool

    @cached_property
    def chroma(self) -> np.ndarray:
        return np.asarray(np.hypot(self.lab[:, 1], self.lab[:, 2]))

    @cached_property
    def hue(self) -> np.ndarray:
        return np.asarray(np.degrees(np.arctan2(self.lab[:, 2], self.lab[:, 1])) % 360.0)


def head_pixels(
    aligned: AlignedFace,
    sample: BackgroundSample,
    boxes: tuple[tuple[float, float, float, float], ...],
    p: NoHeadgearPolicy,
) -> HeadPixels:
    """The boxes' pixels (IED units of the aligned face) that lie inside the photo."""
    parts = [
        (aligned.lab[r, c][aligned.valid[r, c]], aligned.linear_luma[r, c][aligned.valid[r, c]])
        for r, c in (aligned.box(*box) for box in boxes)
    ]
    lab = np.concatenate([part[0] for part in parts])
    luma = np.concatenate([part[1] for part in parts])
    reference = skin_reference(aligned)
    skin = reference.like(lab, luma)
    # Every 7th background pixel: a median of thousands is as good as of all of them. (Indices
    # first: a boolean mask over the whole Lab image costs eight times more.)
    background_lab = sample.lab.reshape(-1, 3)[np.flatnonzero(sample.background)[::7]]
    if background_lab.shape[0] >= 20:
        background_colour = np.median(background_lab, axis=0)
        background = np.linalg.norm(lab - background_colour, axis=1) < p.background_delta_e
    else:
        background = np.zeros(lab.shape[0], dtype=bool)
    # Judge hair colours after a white balance that puts the cheeks back into the band every
    # skin tone occupies under neutral light: a colour cast must not turn brown hair green.
    cast = reference.lab[1:] - np.clip(
        reference.lab[1:], (SKIN_A_RANGE[0], SKIN_B_RANGE[0]), (SKIN_A_RANGE[1], SKIN_B_RANGE[1])
    )
    lab = lab.copy()
    lab[:, 1:] -= cast
    return HeadPixels(lab, skin, background, bool(reference.grayscale))


def hue_in_window(hue: np.ndarray, start_deg: float, end_deg: float) -> np.ndarray:
    """Whether each hue lies in the window from `start_deg` to `end_deg` (both included), going
    up through 360 to 0 when the window starts above its end (340 to 20 is crimson)."""
    if start_deg <= end_deg:
        return np.asarray((hue >= start_deg) & (hue <= end_deg))
    return np.asarray((hue >= start_deg) | (hue <= end_deg))


def covering_share(
    aligned: AlignedFace,
    sample: BackgroundSample,
    boxes: tuple[tuple[float, float, float, float], ...],
    p: NoHeadgearPolicy,
) -> tuple[float, dict[str, float]]:
    """Share of the boxes' pixels (IED units of the aligned face) that are neither skin,
    background nor a hair colour, with the shares of crimson material (see the module
    docstring), skin and background beside it.

    The segmentation's silhouette is not used here: on tight, low-resolution crops it calls
    parts of a cap background (measured: two caps of the corpus were lost, one bare head gained;
    docs/evaluation/notes/2026-12-02-segmentation-and-skin-tone.md)."""
    pixels = head_pixels(aligned, sample, boxes, p)
    if pixels.lab.shape[0] < 20:  # the head is outside the photo: nothing to judge
        return 0.0, {"head_pixels": float(pixels.lab.shape[0])}
    chroma, hue, lab = pixels.chroma, pixels.hue, pixels.lab
    blue_or_green = hue_in_window(hue, p.covering_hue_from_deg, p.covering_hue_to_deg) & (
        chroma >= p.covering_min_chroma
    )
    not_hair = blue_or_green | (chroma > p.hair_max_chroma)
    if not pixels.grayscale:
        # In a grayscale photo white hair and a white cap cannot be told apart: only colour counts.
        not_hair |= (lab[:, 0] > p.hair_max_l) & (chroma < p.white_max_chroma)
    material = ~pixels.skin & ~pixels.background
    covering = material & not_hair
    crimson = (
        material
        & ~not_hair
        & hue_in_window(hue, p.crimson_hue_from_deg, p.crimson_hue_to_deg)
        & (chroma >= p.crimson_min_chroma)
    )
    share = float(covering.mean())
    return share, {
        "covering_share": share,
        "crimson_share": float(crimson.mean()),
        "skin_share": float(pixels.skin.mean()),
        "background_share": float(pixels.background.mean()),
        "head_pixels": float(lab.shape[0]),
    }
