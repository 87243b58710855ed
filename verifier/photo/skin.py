"""Which pixels look like this person's skin: a per-image model of the cheeks' colour.

The model is the cheeks' own median hue, chroma and linear brightness, so it works the same on
every skin tone: a pixel is skin-like when its hue is close to the cheeks', its chroma is within
a factor of theirs and its brightness within a number of stops (grayscale photos: brightness only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from verifier.photo.aligned import AlignedFace

# Cheeks: below the eyes and beside the nose, in IED units of the aligned frame.
CHEEKS_BOX = (-0.9, 0.0, 0.9, 0.9)
HUE_TOLERANCE_RAD = 0.35  # ~20 degrees of hue in the a*b* plane
CHROMA_FACTOR = 0.5  # chroma between half and twice the cheeks'
BRIGHTNESS_STOPS = 1.0  # linear brightness within a factor of two
GRAYSCALE_CHROMA = 3.0  # cheeks with less chroma than this carry no usable colour


@dataclass(frozen=True)
class SkinReference:
    lab: np.ndarray  # median L*, a*, b* of the cheeks
    luma: float  # median linear luminance of the cheeks
    grayscale: bool

    @property
    def chroma(self) -> float:
        return float(np.hypot(self.lab[1], self.lab[2]))

    @property
    def hue(self) -> float:
        return float(np.arctan2(self.lab[2], self.lab[1]))

    def like(
        self, lab: np.ndarray, luma: np.ndarray, stops: float = BRIGHTNESS_STOPS
    ) -> np.ndarray:
        """bool array: which pixels (any shape, Lab in the last axis) look like this skin."""
        ratio = np.abs(np.log2((luma + 1e-3) / max(self.luma, 1e-3)))
        ok = ratio < stops
        if not self.grayscale:
            chroma = np.hypot(lab[..., 1], lab[..., 2])
            hue = np.arctan2(lab[..., 2], lab[..., 1])
            hue_gap = np.abs((hue - self.hue + np.pi) % (2 * np.pi) - np.pi)
            ok &= (hue_gap < HUE_TOLERANCE_RAD) & (chroma > self.chroma * CHROMA_FACTOR)
            ok &= chroma < self.chroma / CHROMA_FACTOR
        return np.asarray(ok)


def skin_reference(
    aligned: AlignedFace, box: tuple[float, float, float, float] = CHEEKS_BOX
) -> SkinReference:
    rows, cols = aligned.box(*box)
    mask = aligned.skin[rows, cols]
    if mask.sum() < 10:  # a face this small or covered: fall back to the whole box
        mask = aligned.valid[rows, cols]
    lab = aligned.lab[rows, cols][mask]
    luma = aligned.linear_luma[rows, cols][mask]
    median = np.median(lab, axis=0) if lab.size else np.array([50.0, 0.0, 0.0])
    return SkinReference(
        lab=median,
        luma=float(np.median(luma)) if luma.size else 0.2,
        grayscale=bool(np.hypot(median[1], median[2]) < GRAYSCALE_CHROMA),
    )
