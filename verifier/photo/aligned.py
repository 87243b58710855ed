"""The main face resampled into a fixed, upright frame measured in inter-eye distances (IED).

Rules that look at areas around the face (ears, forehead, glasses, hair, lighting) read this one
small image instead of the full photo: positions are then the same numbers on every face, whatever
its size or in-plane tilt, and each rule costs a few hundred microseconds.

Frame: origin at the midpoint between the eye centres, x towards the image-right eye, y down
(perpendicular to the eye line), one unit = one IED.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from verifier.photo import landmarks as lm
from verifier.verdict import Region

# Pixels per IED in the aligned image: enough for frames and ear outlines, small enough to be fast.
PX_PER_IED = 40
# The frame covers the head, the ears and a little of the surroundings (in IED).
X_RANGE = (-2.0, 2.0)
Y_RANGE = (-2.6, 2.6)

# sRGB's transfer curve for each 8-bit level (IEC 61966-2-1): a table lookup instead of a power
# per pixel, the same float32 values 8 times faster.
_LEVELS = np.arange(256, dtype=np.float32) / 255.0
_SRGB_TO_LINEAR = np.where(
    _LEVELS <= 0.04045, _LEVELS / 12.92, ((_LEVELS + 0.055) / 1.055) ** 2.4
).astype(np.float32)
_LUMA_WEIGHTS = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)  # Rec. 709


@dataclass(frozen=True)
class AlignedFace:
    """The upright face crop, its validity mask and the mapping back to working-image pixels."""

    rgb: np.ndarray  # H x W x 3 uint8
    valid: np.ndarray  # H x W bool: inside the original image
    to_image: np.ndarray  # 2x3 affine, aligned pixels -> working pixels
    points: np.ndarray  # (478, 2) landmarks in aligned pixels

    @cached_property
    def lab(self) -> np.ndarray:
        """CIELAB as float32 (L 0-100, a/b signed)."""
        return cv2.cvtColor(self.rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)

    @cached_property
    def log_luma(self) -> np.ndarray:
        """log2 of linear luminance: differences are in stops."""
        return np.log2(self.linear_luma + 0.01)

    @cached_property
    def skin(self) -> np.ndarray:
        """bool mask of skin: the face oval without eyes, brows and mouth."""
        return skin_mask(self)

    @cached_property
    def gray(self) -> np.ndarray:
        return cv2.cvtColor(self.rgb, cv2.COLOR_RGB2GRAY)

    @cached_property
    def linear_luma(self) -> np.ndarray:
        """Relative luminance (linear light, 0-1): ratios of it do not depend on skin tone."""
        return _SRGB_TO_LINEAR[self.rgb] @ _LUMA_WEIGHTS

    def px(self, x: float, y: float) -> tuple[int, int]:
        """Aligned pixel (column, row) of a point given in IED units."""
        return (
            round((x - X_RANGE[0]) * PX_PER_IED),
            round((y - Y_RANGE[0]) * PX_PER_IED),
        )

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[slice, slice]:
        """Row and column slices of a box given in IED units, clipped to the aligned image."""
        c0, r0 = self.px(x0, y0)
        c1, r1 = self.px(x1, y1)
        h, w = self.valid.shape
        return slice(max(0, r0), min(h, r1)), slice(max(0, c0), min(w, c1))

    def region(self, x0: float, y0: float, x1: float, y1: float, label: str) -> Region:
        """A box given in IED units, drawn as a polygon in working-image pixels."""
        corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
        return self.polygon_region(corners, label)

    def polygon_region(self, ied_points: np.ndarray, label: str) -> Region:
        aligned = (ied_points - np.array([X_RANGE[0], Y_RANGE[0]])) * PX_PER_IED
        image = aligned @ self.to_image[:, :2].T + self.to_image[:, 2]
        return Region("polygon", tuple((float(x), float(y)) for x, y in image), label)

    def ied_xy(self, index: int) -> np.ndarray:
        """A landmark's position in IED units."""
        return self.points[index] / PX_PER_IED + np.array([X_RANGE[0], Y_RANGE[0]])


def align_face(
    rgb: np.ndarray, points: np.ndarray, right_eye: np.ndarray, left_eye: np.ndarray
) -> AlignedFace:
    eye_vector = left_eye - right_eye
    ied = float(np.linalg.norm(eye_vector))
    ied = ied if ied > 0 else 1.0
    x_axis = eye_vector / ied
    y_axis = np.array([-x_axis[1], x_axis[0]])
    origin = (left_eye + right_eye) / 2
    scale = ied / PX_PER_IED  # working pixels per aligned pixel
    offset = np.array([X_RANGE[0], Y_RANGE[0]]) * PX_PER_IED
    linear = np.column_stack([x_axis, y_axis]) * scale
    to_image = np.column_stack([linear, origin + linear @ offset])
    width = round((X_RANGE[1] - X_RANGE[0]) * PX_PER_IED)
    height = round((Y_RANGE[1] - Y_RANGE[0]) * PX_PER_IED)
    # Crop to the frame's footprint first, then halve with pyrDown while the frame is much
    # smaller than the face: warpAffine alone would alias, and blurring the whole photo is slow.
    corners = np.array([[0, 0], [width, 0], [0, height], [width, height]], dtype=np.float64)
    footprint = corners @ to_image[:, :2].T + to_image[:, 2]
    h, w = rgb.shape[:2]
    x0 = int(np.clip(np.floor(footprint[:, 0].min()), 0, w - 1))
    y0 = int(np.clip(np.floor(footprint[:, 1].min()), 0, h - 1))
    x1 = int(np.clip(np.ceil(footprint[:, 0].max()) + 1, x0 + 1, w))
    y1 = int(np.clip(np.ceil(footprint[:, 1].max()) + 1, y0 + 1, h))
    source: np.ndarray = rgb[y0:y1, x0:x1]
    factor = 1.0
    while scale / factor > 2.0 and min(source.shape[:2]) > 8:
        source = cv2.pyrDown(source)
        factor *= 2.0
    valid_source: np.ndarray = np.full(source.shape[:2], 255, dtype=np.uint8)
    local = to_image.copy()
    local[:, 2] -= (x0, y0)
    local /= factor
    warped = cv2.warpAffine(
        source,
        local,
        (width, height),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    valid = (
        cv2.warpAffine(
            valid_source,
            local,
            (width, height),
            flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )
        > 128
    )
    inverse = cv2.invertAffineTransform(to_image)
    aligned_points = points[:, :2] @ inverse[:, :2].T + inverse[:, 2]
    return AlignedFace(rgb=warped, valid=valid, to_image=to_image, points=aligned_points)


def skin_mask(aligned: AlignedFace) -> np.ndarray:
    """bool mask of skin in the aligned frame: the face oval without eyes, brows and mouth."""
    h, w = aligned.valid.shape
    mask = np.zeros((h, w), dtype=np.uint8)
    pts = aligned.points
    cv2.fillPoly(mask, [np.round(pts[list(lm.FACE_OVAL)]).astype(np.int32)], 255)
    pad = max(2, round(PX_PER_IED * 0.08))
    for contour in (lm.RIGHT_EYE_CONTOUR, lm.LEFT_EYE_CONTOUR, lm.MOUTH_OUTER):
        poly = np.round(pts[list(contour)]).astype(np.int32)
        cv2.fillPoly(mask, [poly], 0)
        cv2.polylines(mask, [poly], True, 0, thickness=pad)
    for brow in (lm.RIGHT_BROW, lm.LEFT_BROW):
        cv2.polylines(
            mask, [np.round(pts[list(brow)]).astype(np.int32)], False, 0, thickness=pad * 2
        )
    return (mask > 0) & aligned.valid
