"""The main face's blendshape scores read a second time, from its mirror image.

A blendshape score near a threshold (a smile of 0.5 on a resting face) is as much the model's
noise as the face: the same neutral face scores differently from one photo to the next. Faces
are nearly symmetric, and mirroring a photo swaps the model's left and right outputs, so the
mirror image is a second, partly independent reading of the same expression; their mean halves
the part of the noise the two do not share. The whole photo is mirrored, not a crop around the
face: the detector then frames the face as it did the first time (a crop read differently and
lost a smile on the corpus). It costs one more landmarker run, so `expression_neutral` asks for
it only when its first reading is not a clear pass.
"""

from __future__ import annotations

import cv2
import numpy as np

from verifier.photo.face_landmarker import detect_faces


def _swap_sides(name: str) -> str:
    if "Left" in name:
        return name.replace("Left", "Right")
    if "Right" in name:
        return name.replace("Right", "Left")
    return name


def mirrored_blendshapes(
    rgb: np.ndarray, centre: np.ndarray, face_width: float, max_faces: int
) -> dict[str, float] | None:
    """The blendshapes of the face at `centre` (pixels) read from the mirrored photo, named for
    the original sides; None when the mirror image shows no face there."""
    width = rgb.shape[1]
    # cv2.flip: numpy's copy of a reversed view takes 30 times as long on a working image.
    found = detect_faces(cv2.flip(rgb, 1), max_faces)
    mirrored_x = width - 1 - centre[0]
    for face in found:
        if (
            np.linalg.norm(face.pixel_centre(width, rgb.shape[0]) - (mirrored_x, centre[1]))
            < 0.25 * face_width
        ):
            return {_swap_sides(name): score for name, score in face.blendshapes.items()}
    return None


def mean_blendshapes(first: dict[str, float], second: dict[str, float]) -> dict[str, float]:
    return {name: (score + second.get(name, score)) / 2 for name, score in first.items()}
