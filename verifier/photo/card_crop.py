"""The card portrait: eyes level, 35x45 mm (7:9), head at ICAO Doc 9303 Part 3 proportions,
never upscaled."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from verifier.decode import DecodedImage, shrink_to
from verifier.photo.analysis import DetectedFace
from verifier.policy import CardFormat


@dataclass(frozen=True)
class CardCrop:
    rgb: np.ndarray
    # Taken from the original's pixels (decoded again at the scale the print needs, at most the
    # original's) because the working image has too few.
    from_full_resolution: bool
    # The crop rectangle's corners in working-image pixels (for drawing), clockwise from top-left.
    corners: tuple[tuple[float, float], ...]

    @property
    def at_print_size(self) -> bool:
        return bool(self.rgb.shape[1] >= 1 and self.rgb.shape[0] >= 1)


def card_geometry(face: DetectedFace, card: CardFormat) -> tuple[np.ndarray, float, float]:
    """Rotation-free description of the crop in working pixels: the top-centre point of the
    crop, its width and its height. The crop's "up" is the face's up (eyes level)."""
    crop_h = face.head_height / card.head_height_ratio
    crop_w = crop_h * card.width_px / card.height_px
    up = face.up
    top_centre = face.crown + up * (card.top_margin_ratio * crop_h)
    # Centre horizontally on the eye midpoint, projected onto the crown-chin line's normal.
    right = np.array([-up[1], up[0]])  # image-right when the face is upright
    shift = float((face.eye_midpoint - face.crown) @ right)
    top_centre = top_centre + right * shift
    return top_centre, crop_w, crop_h


def make_card_crop(image: DecodedImage, face: DetectedFace, card: CardFormat) -> CardCrop:
    top_centre, crop_w, crop_h = card_geometry(face, card)
    up = face.up
    right = np.array([-up[1], up[0]])
    down = -up
    top_left = top_centre - right * (crop_w / 2)
    corners = (
        top_left,
        top_left + right * crop_w,
        top_left + right * crop_w + down * crop_h,
        top_left + down * crop_h,
    )

    # Take pixels from the working image when it already holds the print resolution; else decode
    # the original again at the cheapest scale that does (a 12 MP JPEG at 1/2 costs a third of
    # the full decode), unresampled: the warp below samples only the crop's pixels.
    use_full = crop_w < card.width_px and image.scale < 1.0
    needed = image.scale * card.width_px / crop_w
    source_image = image.at_least_scale(needed) if use_full else image
    source = source_image.rgb
    factor = source_image.scale / image.scale
    src_w = crop_w * factor
    out_w = int(min(card.width_px, math.floor(src_w)))
    out_h = round(out_w * card.height_px / card.width_px)
    out_w, out_h = max(out_w, 1), max(out_h, 1)

    # Turned upright at a power-of-two multiple of the print size within 2x of the source's own
    # scale, then halved to the print: no sampling gaps, and the box averages are exact.
    halvings = max(0, math.floor(math.log2(src_w / out_w))) if src_w > out_w else 0
    warp_w, warp_h = out_w << halvings, out_h << halvings
    src = np.array([c * factor for c in corners[:3]], dtype=np.float32)
    dst = np.array([[0, 0], [warp_w, 0], [warp_w, warp_h]], dtype=np.float32)
    crop = cv2.warpAffine(
        source,
        cv2.getAffineTransform(src, dst),
        (warp_w, warp_h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(255, 255, 255),
    )
    crop = shrink_to(crop, (out_w, out_h))  # exact halvings only: the warp is out x 2^k
    return CardCrop(
        rgb=crop,
        from_full_resolution=use_full,
        corners=tuple((float(x), float(y)) for x, y in corners),
    )
