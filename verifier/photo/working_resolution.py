"""How many pixels the analysis works on: the decoder's ~1000 px copy, or more of the original
when the face is small in it.

At 1000 px a head-and-shoulders portrait has 150-250 px between the eyes, but a photo taken from
a couple of metres (half or full body) has 40-80: the iris is a few pixels wide, the lip gap and
the eyelids are a pixel or two, and under 64 px the focus measure reads upsampled pixels. A 12 MP
original often holds 3-4 times more. When the main face's inter-eye distance in the working image
is under `[faces] refine_below_ied_px` (64 px, the scale the focus measure judges at) and the
original has more pixels, the photo is analysed again at the scale that brings it to
`refine_target_ied_px` (capped by the original and by `refine_max_pixels`, which bounds the
cost). Portraits taken at arm's length never pay for it.
"""

from __future__ import annotations

import math

from verifier.decode import DecodedImage
from verifier.photo.analysis import FaceAnalysis, analyse
from verifier.policy import FacesPolicy, SegmentationPolicy

# Not worth a second analysis for less than this gain in scale.
_MIN_GAIN = 1.2


def finer_scale(image: DecodedImage, analysis: FaceAnalysis, faces: FacesPolicy) -> float | None:
    """The working scale to analyse the photo at again, or None when the first one is enough."""
    face = analysis.main
    if face is None or image.scale >= 1.0 or face.ied >= faces.refine_below_ied_px or face.ied <= 0:
        return None
    source_pixels = image.source_size[0] * image.source_size[1]
    by_pixels = math.sqrt(faces.refine_max_pixels / source_pixels)
    scale = min(1.0, image.scale * faces.refine_target_ied_px / face.ied, by_pixels)
    return scale if scale >= image.scale * _MIN_GAIN else None


def analyse_at_working_resolution(
    image: DecodedImage, faces: FacesPolicy, segmentation: SegmentationPolicy | None = None
) -> tuple[DecodedImage, FaceAnalysis]:
    """The face analysis, redone on a finer copy of the photo when the face is small in the
    first; returns the image the analysis (and so every rule and the card crop) refers to."""
    analysis = analyse(image, faces, segmentation=segmentation)
    scale = finer_scale(image, analysis, faces)
    if scale is None:
        return image, analysis
    finer = image.at_scale(scale)
    ratio = finer.scale / image.scale
    known = [
        (float(face.centre[0]) * ratio, float(face.centre[1]) * ratio) for face in analysis.faces
    ]
    refined = analyse(finer, faces, near=known, segmentation=segmentation)
    if refined.main is None:  # the finer copy lost the face: what was found stands
        return image, analysis
    return finer, refined
