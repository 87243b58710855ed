"""The background around the main face, separated from the person by the landmarks.

The person is the head (an ellipse from chin to the estimated crown, wide enough for ordinary
hair) plus the neck and shoulders below it (a trapezoid to the bottom of the image). The
background is what is neither, above the chin line: lower down, the frame shows clothes. The photo is first reduced to `LONG_SIDE` pixels: the background's
brightness, colour and texture are large-scale properties, and this keeps the cost under 2 ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from verifier.verdict import Region

LONG_SIDE = 256  # at most; the reduction is by a whole factor
HEAD_WIDTH_FACTOR = 1.45  # head ellipse width / face width: hair beside the face
HEAD_HEIGHT_FACTOR = 1.15  # head ellipse height / chin-to-crown: hair above the crown
SHOULDER_WIDTH_FACTOR = 1.4  # half shoulder width / face width
NEAR_BAND_FACTOR = 1.5  # the band beside the head reaches this much further out


@dataclass(frozen=True)
class BackgroundSample:
    lab: np.ndarray  # reduced image, CIELAB float32
    background: np.ndarray  # bool: not the person
    near_head: np.ndarray  # bool: background within a band around the head
    image_left: np.ndarray  # bool: on the image-left side of the face's vertical axis
    scale: float  # reduced pixels per working pixel
    face_width: float  # reduced pixels
    head_outline: tuple[tuple[float, float], ...]  # working pixels
    band_outline: tuple[tuple[float, float], ...]  # working pixels

    @cached_property
    def gradient(self) -> np.ndarray:
        """Brightness gradient magnitude (L* per reduced pixel), lightly smoothed."""
        lightness = cv2.GaussianBlur(self.lab[..., 0], (0, 0), 1.0)
        gx = cv2.Sobel(lightness, cv2.CV_32F, 1, 0, ksize=3) / 8
        gy = cv2.Sobel(lightness, cv2.CV_32F, 0, 1, ksize=3) / 8
        return np.asarray(np.hypot(gx, gy))

    def regions(self) -> tuple[Region, ...]:
        return (
            Region("polygon", self.head_outline, "person"),
            Region("polygon", self.band_outline, "band beside head"),
        )


def _ellipse_points(centre: np.ndarray, axes: tuple[float, float], angle: float) -> np.ndarray:
    pts = cv2.ellipse2Poly(
        (round(float(centre[0])), round(float(centre[1]))),
        (max(1, round(axes[0])), max(1, round(axes[1]))),
        round(angle),
        0,
        360,
        10,
    )
    return np.asarray(pts, dtype=np.int32)


def sample_background(
    rgb: np.ndarray, chin: np.ndarray, crown: np.ndarray, up: np.ndarray, face_width: float
) -> BackgroundSample:
    h, w = rgb.shape[:2]
    # An integer reduction: INTER_AREA then averages whole blocks, several times faster.
    step = max(1, int(np.ceil(max(h, w) / LONG_SIDE)))
    scale = 1.0 / step
    size = (max(1, w // step), max(1, h // step))
    # Every other pixel first when the factor is even: the area average then reads a quarter.
    # (OpenCV's nearest-neighbour halving picks the same pixels as rgb[::2, ::2], in a sixth of
    # numpy's time for the strided copy.)
    # The last few rows and columns that do not fill a whole block are left out, so the factor
    # is exact (OpenCV's area average is four times slower for a fractional one).
    source = rgb[: max(step, h - h % step), : max(step, w - w % step)]
    if step % 2 == 0:
        source = cv2.resize(
            source,
            (max(1, source.shape[1] // 2), max(1, source.shape[0] // 2)),
            interpolation=cv2.INTER_NEAREST,
        )
    small = cv2.resize(source, size, interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    sh, sw = small.shape[:2]
    chin_s, crown_s = chin * scale, crown * scale
    head_height = float(np.linalg.norm(crown_s - chin_s))
    width = face_width * scale
    angle = float(np.degrees(np.arctan2(up[0], -up[1])))
    centre = (chin_s + crown_s) / 2
    head_axes = (width * 0.5 * HEAD_WIDTH_FACTOR, head_height * 0.5 * HEAD_HEIGHT_FACTOR)
    head = _ellipse_points(centre, head_axes, angle)
    band = _ellipse_points(centre, (head_axes[0] * NEAR_BAND_FACTOR, head_axes[1] * 1.2), angle)
    across = np.array([-up[1], up[0]])
    neck = chin_s - up * 0.1 * head_height
    shoulders = chin_s - up * 0.45 * head_height
    below = -up * 3 * head_height
    torso = np.array(
        [
            neck + across * width * 0.45,
            neck - across * width * 0.45,
            shoulders - across * width * SHOULDER_WIDTH_FACTOR,
            shoulders - across * width * SHOULDER_WIDTH_FACTOR + below,
            shoulders + across * width * SHOULDER_WIDTH_FACTOR + below,
            shoulders + across * width * SHOULDER_WIDTH_FACTOR,
        ]
    )
    person = np.zeros((sh, sw), dtype=np.uint8)
    cv2.fillPoly(person, [head, np.round(torso).astype(np.int32)], 255)
    near = np.zeros((sh, sw), dtype=np.uint8)
    cv2.fillPoly(near, [band], 255)
    # Only beside and above the head: below the chin the frame holds clothes, whatever the wall.
    yy = np.arange(sh, dtype=np.float32)[:, None]
    xx = np.arange(sw, dtype=np.float32)[None, :]
    above_chin = (xx - chin_s[0]) * up[0] + (yy - chin_s[1]) * up[1] >= 0
    background = (person == 0) & above_chin
    image_left = (xx - chin_s[0]) * -up[1] + (yy - chin_s[1]) * up[0] < 0
    return BackgroundSample(
        lab=lab,
        background=background,
        near_head=background & (near > 0),
        image_left=image_left,
        scale=scale,
        face_width=width,
        head_outline=tuple((float(x) / scale, float(y) / scale) for x, y in head),
        band_outline=tuple((float(x) / scale, float(y) / scale) for x, y in band),
    )
