"""The MediaPipe Face Landmarker, loaded lazily once per process from the verified model file.

How many faces it reports is fixed when it is built, so there is one landmarker per face count
asked for (`[faces] max_faces` of the policy; in practice one).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from verifier.model_files import model_path

MODEL_FILE = "face_landmarker.task"

_lock = threading.Lock()
_landmarkers: dict[int, object] = {}


@dataclass(frozen=True)
class RawFace:
    """One face as the landmarker returns it, in normalised image coordinates."""

    landmarks: np.ndarray  # (478, 3): x, y in 0..1 of width/height; z in units of width
    blendshapes: dict[str, float]
    matrix: np.ndarray | None  # 4x4 facial transformation (canonical face → camera)

    def pixel_centre(self, width: int, height: int) -> np.ndarray:
        """Mean of the landmarks in pixels of a width x height image: where the face is."""
        return np.asarray((self.landmarks[:, :2] * (width, height)).mean(axis=0))


def _create(max_faces: int) -> object:
    # Imported here: mediapipe's import costs ~0.5 s and the decoder tests do not need it.
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path(MODEL_FILE))),
        running_mode=vision.RunningMode.IMAGE,
        num_faces=max_faces,
        min_face_detection_confidence=0.5,
        min_face_presence_confidence=0.5,
        output_face_blendshapes=True,
        output_facial_transformation_matrixes=True,
    )
    return vision.FaceLandmarker.create_from_options(options)


def landmarker(max_faces: int) -> object:
    if max_faces < 1:
        raise ValueError(f"max_faces must be at least 1, got {max_faces}")
    with _lock:
        if max_faces not in _landmarkers:
            _landmarkers[max_faces] = _create(max_faces)
        return _landmarkers[max_faces]


def detect_faces(rgb: np.ndarray, max_faces: int) -> list[RawFace]:
    """Runs detection + landmarks + blendshapes once, for up to `max_faces` faces. Serialised:
    the graph is not re-entrant."""
    import mediapipe as mp

    image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
    model = landmarker(max_faces)
    with _lock:
        result = model.detect(image)  # type: ignore[attr-defined]
    faces: list[RawFace] = []
    for index, points in enumerate(result.face_landmarks):
        landmarks = np.array([(p.x, p.y, p.z) for p in points], dtype=np.float64)
        shapes = (
            {c.category_name: float(c.score) for c in result.face_blendshapes[index]}
            if result.face_blendshapes
            else {}
        )
        matrix = (
            np.asarray(result.facial_transformation_matrixes[index], dtype=np.float64)
            if result.facial_transformation_matrixes
            else None
        )
        faces.append(RawFace(landmarks, shapes, matrix))
    return faces
