"""The face analysis every rule reads: detection and landmarks run once per image, here."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from verifier.decode import DecodedImage
from verifier.photo import landmarks as lm
from verifier.photo.aligned import AlignedFace, align_face
from verifier.photo.background_sample import (
    BackgroundSample,
    PersonGeometry,
    reduce_for_background,
    sample_background,
)
from verifier.photo.expression_model import (
    ExpressionReading,
    classify_expression,
    expression_crop,
)
from verifier.photo.face_landmarker import RawFace
from verifier.photo.face_search import find_faces
from verifier.photo.mirror import mirrored_blendshapes
from verifier.photo.segmentation import person_confidence
from verifier.policy import FacesPolicy, SegmentationPolicy, default_policy
from verifier.verdict import Region

Point = tuple[float, float]


@dataclass(frozen=True)
class HeadPose:
    """Head rotation in degrees: yaw (turn sideways), pitch (+ chin down), roll (eye-line tilt)."""

    yaw: float
    pitch: float
    roll: float


def _euler_from_matrix(matrix: np.ndarray) -> tuple[float, float]:
    """Yaw and pitch of MediaPipe's facial transformation matrix (rotation part, X-Y-Z)."""
    r = matrix[:3, :3]
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, -r[2, 0]))))
    pitch = math.degrees(math.atan2(r[2, 1], r[2, 2]))
    return yaw, pitch


class DetectedFace:
    """One face in working-image pixels, with the measurements several rules share."""

    def __init__(self, raw: RawFace, width: int, height: int) -> None:
        self.raw = raw
        points = raw.landmarks.copy()
        points[:, 0] *= width
        points[:, 1] *= height
        points[:, 2] *= width
        self.points = points  # (478, 3) pixels
        self.blendshapes = raw.blendshapes

    def xy(self, index: int) -> np.ndarray:
        return self.points[index, :2]

    def polygon(self, indices: tuple[int, ...]) -> np.ndarray:
        return self.points[list(indices), :2]

    @cached_property
    def right_eye_centre(self) -> np.ndarray:
        return (self.xy(lm.RIGHT_EYE_OUTER) + self.xy(lm.RIGHT_EYE_INNER)) / 2

    @cached_property
    def left_eye_centre(self) -> np.ndarray:
        return (self.xy(lm.LEFT_EYE_OUTER) + self.xy(lm.LEFT_EYE_INNER)) / 2

    @cached_property
    def ied(self) -> float:
        """Inter-eye distance (eye centre to eye centre) in working pixels."""
        return float(np.linalg.norm(self.left_eye_centre - self.right_eye_centre))

    @cached_property
    def eye_midpoint(self) -> np.ndarray:
        return (self.left_eye_centre + self.right_eye_centre) / 2

    @cached_property
    def roll(self) -> float:
        """In-plane rotation of the eye line, degrees (+ clockwise in the image)."""
        d = self.left_eye_centre - self.right_eye_centre
        return math.degrees(math.atan2(d[1], d[0]))

    @cached_property
    def pose(self) -> HeadPose:
        if self.raw.matrix is not None:
            yaw, pitch = _euler_from_matrix(self.raw.matrix)
        else:  # pragma: no cover - the landmarker is always asked for matrices
            yaw, pitch = 0.0, 0.0
        return HeadPose(yaw=yaw, pitch=pitch, roll=self.roll)

    @cached_property
    def up(self) -> np.ndarray:
        """Unit vector from chin towards the crown, in the image plane."""
        d = self.xy(lm.FOREHEAD_TOP) - self.xy(lm.CHIN)
        n = float(np.linalg.norm(d))
        return d / n if n > 0 else np.array([0.0, -1.0])

    @cached_property
    def chin(self) -> np.ndarray:
        return self.xy(lm.CHIN)

    @cached_property
    def crown(self) -> np.ndarray:
        """Top of the skull: the mesh ends at the upper forehead, the crown lies above it.

        Chin-to-crown is about 1.3 times chin-to-mesh-top on adult heads (anthropometric
        head height ~ 23 cm vs. menton-to-upper-forehead ~ 18 cm).
        """
        return self.chin + self.up * 1.3 * self.mesh_height

    @cached_property
    def mesh_height(self) -> float:
        return float(np.linalg.norm(self.xy(lm.FOREHEAD_TOP) - self.chin))

    @cached_property
    def head_height(self) -> float:
        return float(np.linalg.norm(self.crown - self.chin))

    @cached_property
    def centre(self) -> np.ndarray:
        """Mean of the landmarks (pixels): where the face is, for finding it again."""
        return np.asarray(self.points[:, :2].mean(axis=0))

    @cached_property
    def face_width(self) -> float:
        return float(np.linalg.norm(self.xy(lm.LEFT_FACE_EDGE) - self.xy(lm.RIGHT_FACE_EDGE)))

    @cached_property
    def bbox(self) -> tuple[float, float, float, float]:
        xs, ys = self.points[:, 0], self.points[:, 1]
        return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())

    def eye_regions(self) -> tuple[Region, Region]:
        return (
            Region("polygon", _pts(self.polygon(lm.RIGHT_EYE_CONTOUR)), "right eye"),
            Region("polygon", _pts(self.polygon(lm.LEFT_EYE_CONTOUR)), "left eye"),
        )

    def mouth_region(self) -> Region:
        return Region("polygon", _pts(self.polygon(lm.MOUTH_OUTER)), "mouth")

    def oval_region(self) -> Region:
        return Region("polygon", _pts(self.polygon(lm.FACE_OVAL)), "face")


_MAX_SKIN_SAMPLES = 10_000  # over the face's bounding box; skin is a part of it


def _pts(array: np.ndarray) -> tuple[Point, ...]:
    return tuple((float(x), float(y)) for x, y in array)


class FaceAnalysis:
    """The decoded image, every face found, and lazily computed shared views of the main face.

    Coordinates are working-image pixels; `to_source` converts lengths to original pixels.
    """

    def __init__(
        self,
        image: DecodedImage,
        faces: list[DetectedFace],
        elapsed_ms: float = 0.0,
        segmentation: SegmentationPolicy | None = None,
        max_faces: int | None = None,
    ):
        self.image = image
        self.faces = sorted(faces, key=lambda f: f.ied, reverse=True)
        self.elapsed_ms = elapsed_ms
        self.segmentation = segmentation or default_policy().segmentation
        self.max_faces = max_faces or default_policy().faces.max_faces

    @property
    def main(self) -> DetectedFace | None:
        return self.faces[0] if self.faces else None

    @property
    def rgb(self) -> np.ndarray:
        return self.image.rgb

    def to_source(self, length: float) -> float:
        return length / self.image.scale

    @cached_property
    def gray(self) -> np.ndarray:
        return cv2.cvtColor(self.image.rgb, cv2.COLOR_RGB2GRAY)

    @cached_property
    def face_mask(self) -> np.ndarray:
        """uint8 mask of the main face oval (255 inside)."""
        mask = np.zeros(self.rgb.shape[:2], dtype=np.uint8)
        if self.main is not None:
            cv2.fillPoly(mask, [np.round(self.main.polygon(lm.FACE_OVAL)).astype(np.int32)], 255)
        return mask

    @cached_property
    def skin_mask(self) -> np.ndarray:
        """The face oval without eyes, brows and mouth: the pixels that show skin tone and light."""
        mask = self.face_mask.copy()
        face = self.main
        if face is None:
            return mask
        pad = max(2, round(face.ied * 0.08))
        for contour in (lm.RIGHT_EYE_CONTOUR, lm.LEFT_EYE_CONTOUR, lm.MOUTH_OUTER):
            poly = np.round(face.polygon(contour)).astype(np.int32)
            cv2.fillPoly(mask, [poly], 0)
            cv2.polylines(mask, [poly], True, 0, thickness=pad)
        for brow in (lm.RIGHT_BROW, lm.LEFT_BROW):
            cv2.polylines(
                mask, [np.round(face.polygon(brow)).astype(np.int32)], False, 0, thickness=pad * 2
            )
        return mask

    @cached_property
    def skin_rgb(self) -> np.ndarray:
        """(N, 3) RGB samples of the main face's skin, at most ~10,000 of them (a regular grid).

        Tone and exposure statistics need no more: the mean's standard error is then under 0.5 %
        of its spread and a 5 % clipped share is known to ±0.5 %, while every sample costs time
        in each rule that reads them.
        """
        face = self.main
        if face is None:
            return np.empty((0, 3), dtype=np.uint8)
        x0, y0, x1, y1 = (int(v) for v in face.bbox)
        x0, y0 = max(x0, 0), max(y0, 0)
        area = max(1, (x1 - x0) * (y1 - y0))
        step = max(1, math.ceil(math.sqrt(area / _MAX_SKIN_SAMPLES)))
        mask = self.skin_mask[y0:y1:step, x0:x1:step] > 0
        return self.rgb[y0:y1:step, x0:x1:step][mask]

    @cached_property
    def skin_luma(self) -> np.ndarray:
        """Luma (Rec. 601, as OpenCV's grey) of `skin_rgb`, as float64."""
        return self.skin_rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])

    @cached_property
    def aligned(self) -> AlignedFace | None:
        """The main face resampled upright at a fixed scale (see verifier/photo/aligned.py)."""
        face = self.main
        if face is None:
            return None
        return align_face(self.rgb, face.points, face.right_eye_centre, face.left_eye_centre)

    @cached_property
    def expression(self) -> ExpressionReading | None:
        """The expression classifier's reading of the main face (verifier/photo/expression_model.py);
        run once, when a rule first asks."""
        face = self.main
        if face is None:
            return None
        crop = expression_crop(self.rgb, face.points, face.right_eye_centre, face.left_eye_centre)
        return classify_expression(crop)

    @cached_property
    def mirrored_blendshapes(self) -> dict[str, float] | None:
        """The main face's blendshapes read again from its mirror image (see mirror.py); one
        more landmarker run, so computed only when a rule asks."""
        face = self.main
        if face is None:
            return None
        return mirrored_blendshapes(self.rgb, face.centre, face.face_width, self.max_faces)

    @cached_property
    def reduced(self) -> tuple[np.ndarray, float]:
        """The photo reduced to at most 256 px and its scale (background_sample.py), where the
        background is measured."""
        return reduce_for_background(self.rgb)

    @cached_property
    def person_confidence(self) -> np.ndarray:
        """The selfie segmenter's person confidence over the whole frame (256 x 256, 0..1; see
        verifier/photo/segmentation.py). Run once, when a rule first asks. It reads the working
        image: fed the 256 px reduction (a non-square one, stretched back up) it claims more
        of a cast shadow beside the head as person, and the shadow test loses it."""
        return person_confidence(self.rgb)

    @cached_property
    def person_geometry(self) -> PersonGeometry | None:
        face = self.main
        if face is None:
            return None
        return PersonGeometry(
            chin=face.chin,
            crown=face.crown,
            up=face.up,
            face_width=face.face_width,
            face_oval=face.polygon(lm.FACE_OVAL),
        )

    @cached_property
    def background(self) -> BackgroundSample | None:
        """The photo's background around the main face (see verifier/photo/background_sample.py)."""
        geometry = self.person_geometry
        if geometry is None:
            return None
        return sample_background(
            self.rgb, geometry, self.person_confidence, self.segmentation, self.reduced
        )


def analyse(
    image: DecodedImage,
    faces_policy: FacesPolicy | None = None,
    *,
    near: list[tuple[float, float]] | None = None,
    segmentation: SegmentationPolicy | None = None,
) -> FaceAnalysis:
    """Detects the faces once and wraps them for the rules. `near`: where faces are already
    known to be (working pixels), to search there first (see face_search.find_faces)."""
    import time

    settings = faces_policy or default_policy().faces
    started = time.perf_counter()
    raw_faces = find_faces(
        image.rgb,
        tile_fraction=settings.tile_fraction,
        tile_grid=settings.tile_grid,
        max_faces=settings.max_faces,
        near=near,
    )
    faces = [DetectedFace(raw, image.width, image.height) for raw in raw_faces]
    return FaceAnalysis(
        image, faces, (time.perf_counter() - started) * 1000, segmentation, settings.max_faces
    )
