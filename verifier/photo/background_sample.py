"""The background around the main face: every pixel the person segmentation does not claim.

The person (head, hair, neck, shoulders, clothes) is what the selfie segmenter
(verifier/photo/segmentation.py) gives a confidence of at least `[segmentation]
person_threshold`, grown by `edge_dilation_px` so the soft, blended rim of hair and shoulders
counts as person, plus the face oval from the landmarks (a face is never background). The
background is the rest above the chin line: lower down the frame shows clothes, whose edge
against a wall of the same colour the segmenter draws least surely. The band just outside the
silhouette (`band_width_faces` face widths wide, above the chin) is where a cast shadow falls.

When the segmenter misses the face itself (less than `min_face_coverage` of the face oval called
person: a grey, tiny or unusual photo it was not trained on), its mask is not trusted there and
the geometric person is used: the head as an ellipse from chin to the estimated crown, wide
enough for ordinary hair, plus a trapezoid for neck and shoulders.

The photo is first reduced to `LONG_SIDE` pixels: the background's brightness, colour and
texture are large-scale properties, and this keeps the cost under 2 ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from verifier.policy import SegmentationPolicy
from verifier.verdict import Region

LONG_SIDE = 256  # at most; the reduction is by a whole factor
# The geometric person, used when the segmentation fails on the face.
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
    person_outline: tuple[tuple[tuple[float, float], ...], ...]  # working pixels, per contour
    band_outline: tuple[tuple[tuple[float, float], ...], ...]  # working pixels, per contour
    segmented: bool  # the person came from the segmentation (else from the landmarks' geometry)
    face_coverage: float  # share of the face oval the segmentation calls person

    @cached_property
    def gradient(self) -> np.ndarray:
        """Brightness gradient magnitude (L* per reduced pixel), lightly smoothed."""
        lightness = cv2.GaussianBlur(self.lab[..., 0], (0, 0), 1.0)
        gx = cv2.Sobel(lightness, cv2.CV_32F, 1, 0, ksize=3) / 8
        gy = cv2.Sobel(lightness, cv2.CV_32F, 0, 1, ksize=3) / 8
        return np.asarray(np.hypot(gx, gy))

    def regions(self) -> tuple[Region, ...]:
        return (
            *(Region("polygon", c, "person") for c in self.person_outline),
            *(Region("polygon", c, "band beside head") for c in self.band_outline),
        )


@dataclass(frozen=True)
class PersonGeometry:
    """What the landmarks say about where the person is, in working pixels."""

    chin: np.ndarray
    crown: np.ndarray
    up: np.ndarray  # unit vector chin -> crown
    face_width: float
    face_oval: np.ndarray  # (N, 2) polygon


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


def reduce_for_background(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """The photo reduced by a whole factor to at most LONG_SIDE, and reduced px per working px."""
    h, w = rgb.shape[:2]
    # An integer reduction: INTER_AREA then averages whole blocks, several times faster.
    step = max(1, int(np.ceil(max(h, w) / LONG_SIDE)))
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
    return cv2.resize(source, size, interpolation=cv2.INTER_AREA), 1.0 / step


def _geometric_person(
    shape: tuple[int, int], g: PersonGeometry, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """The landmark-placed person (head ellipse + shoulders) and the band around the head."""
    sh, sw = shape
    chin_s, crown_s = g.chin * scale, g.crown * scale
    head_height = float(np.linalg.norm(crown_s - chin_s))
    width = g.face_width * scale
    up = g.up
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
    return person > 0, near > 0


def _disc(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _outlines(mask: np.ndarray, scale: float) -> tuple[tuple[tuple[float, float], ...], ...]:
    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    biggest = sorted(contours, key=cv2.contourArea, reverse=True)[:3]
    # Within a pixel of the reduced image: a few dozen points per outline in the stored verdict.
    simple = [cv2.approxPolyDP(c, 1.0, True) for c in biggest]
    return tuple(
        tuple((float(x) / scale, float(y) / scale) for x, y in c.reshape(-1, 2))
        for c in simple
        if len(c) >= 3
    )


def sample_background(
    rgb: np.ndarray,
    geometry: PersonGeometry,
    person_confidence: np.ndarray | None,
    settings: SegmentationPolicy,
    reduced: tuple[np.ndarray, float] | None = None,
) -> BackgroundSample:
    """The background of `rgb` (working pixels) around the face `geometry` places; the person
    from `person_confidence` (segmentation.person_confidence, any resolution over the whole
    frame) when it holds the face, else from the geometry. `reduced`: reduce_for_background(rgb)
    when it is already at hand."""
    small, scale = reduced if reduced is not None else reduce_for_background(rgb)
    lab = cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    sh, sw = small.shape[:2]
    up = geometry.up
    chin_s = geometry.chin * scale
    width = geometry.face_width * scale
    oval = np.zeros((sh, sw), dtype=np.uint8)
    cv2.fillPoly(oval, [np.round(geometry.face_oval * scale).astype(np.int32)], 255)
    face = oval > 0
    coverage = 0.0
    person: np.ndarray | None = None
    if person_confidence is not None:
        confidence = cv2.resize(person_confidence, (sw, sh), interpolation=cv2.INTER_LINEAR)
        segmented = confidence >= settings.person_threshold
        coverage = float(segmented[face].mean()) if face.any() else 0.0
        if coverage >= settings.min_face_coverage:
            grown: np.ndarray = segmented.astype(np.uint8)
            if settings.edge_dilation_px > 0:
                grown = np.asarray(cv2.dilate(grown, _disc(settings.edge_dilation_px)))
            person = (grown > 0) | face
    yy = np.arange(sh, dtype=np.float32)[:, None]
    xx = np.arange(sw, dtype=np.float32)[None, :]
    # Only beside and above the head: below the chin the frame holds clothes, whatever the wall.
    above_chin = (xx - chin_s[0]) * up[0] + (yy - chin_s[1]) * up[1] >= 0
    image_left = (xx - chin_s[0]) * -up[1] + (yy - chin_s[1]) * up[0] < 0
    if person is not None:
        band_px = max(1, round(settings.band_width_faces * width))
        reach = cv2.dilate(person.astype(np.uint8), _disc(band_px)) > 0
        near = reach & ~person
    else:
        person, near = _geometric_person((sh, sw), geometry, scale)
    background = ~person & above_chin
    return BackgroundSample(
        lab=lab,
        background=background,
        near_head=background & near,
        image_left=image_left,
        scale=scale,
        face_width=width,
        person_outline=_outlines(person, scale),
        band_outline=_outlines(background & near, scale),
        segmented=person_confidence is not None and coverage >= settings.min_face_coverage,
        face_coverage=coverage,
    )
