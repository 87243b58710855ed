"""The second look in tiles: a face too small for the detector's view of the whole frame (a
full-body photo) is found, mapped back to the frame, and judged too small, not absent."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from tests.photo.support import IMAGES
from verifier.decode import decode_image
from verifier.photo import landmarks as lm
from verifier.photo.analysis import analyse
from verifier.photo.check import check_photo_detailed
from verifier.photo.face_landmarker import RawFace, detect_faces
from verifier.photo.face_search import find_faces
from verifier.policy import default_policy
from verifier.verdict import Status

FACES = default_policy().faces
ORIGIN = (500, 150)  # x, y of the pasted portrait in the frame


def _portrait(scale: float) -> np.ndarray:
    src = np.asarray(Image.open(IMAGES / "cap_and_glasses_portrait.jpg").convert("RGB"))
    return cv2.resize(src, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _distant_photo(scale: float = 0.3) -> np.ndarray:
    """The portrait shrunk and pasted into a plain 820x1024 frame, as a photo from afar."""
    small = _portrait(scale)
    frame = np.full((1024, 820, 3), 200, np.uint8)
    x0, y0 = ORIGIN
    frame[y0 : y0 + small.shape[0], x0 : x0 + small.shape[1]] = small
    return frame


def _search(rgb: np.ndarray) -> list:
    return find_faces(
        rgb, tile_fraction=FACES.tile_fraction, tile_grid=FACES.tile_grid, max_faces=FACES.max_faces
    )


def test_the_whole_frame_misses_the_small_face_and_the_tiles_find_it() -> None:
    frame = _distant_photo()
    assert detect_faces(frame, FACES.max_faces) == []  # what this second look is for
    faces = _search(frame)
    assert len(faces) == 1


def test_tile_landmarks_are_mapped_back_to_the_frame() -> None:
    frame = _distant_photo()
    found = _search(frame)[0]
    # The same small portrait alone (a tight frame the detector does see), offset by its origin.
    small = _portrait(0.3)
    pad = 40
    alone_frame = np.full((small.shape[0] + 2 * pad, small.shape[1] + 2 * pad, 3), 200, np.uint8)
    alone_frame[pad:-pad, pad:-pad] = small
    alone = detect_faces(alone_frame, FACES.max_faces)
    assert len(alone) == 1
    h, w = frame.shape[:2]
    expected = alone[0].landmarks[:, :2] * (alone_frame.shape[1], alone_frame.shape[0])
    expected += (ORIGIN[0] - pad, ORIGIN[1] - pad)
    got = found.landmarks[:, :2] * (w, h)
    inter_eye = np.linalg.norm(expected[lm.RIGHT_IRIS_CENTRE] - expected[lm.LEFT_IRIS_CENTRE])
    assert np.median(np.linalg.norm(got - expected, axis=1)) < 0.15 * inter_eye


def test_a_face_seen_from_afar_is_too_small_not_absent() -> None:
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(_distant_photo(), cv2.COLOR_RGB2BGR))
    assert ok
    verdict = check_photo_detailed(encoded.tobytes(), with_card_crop=False).verdict
    present, size = verdict.result("face_present"), verdict.result("face_size")
    assert present is not None and present.status is Status.PASS
    assert size is not None and size.status is Status.FAIL and "closer" in size.message_en


def test_a_photo_without_a_face_stays_without_one() -> None:
    data = (IMAGES / "no_face.jpg").read_bytes()
    analysis = analyse(decode_image(data, default_policy().decode), FACES)
    assert analysis.faces == []


@pytest.mark.parametrize("grid", [0, 1])
def test_tiles_can_be_switched_off(grid: int) -> None:
    faces = find_faces(_distant_photo(), tile_fraction=0.5, tile_grid=grid, max_faces=3)
    assert faces == []


def test_known_face_positions_replace_the_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    import verifier.photo.face_search as face_search_module

    frame = _distant_photo()
    grid_face = _search(frame)[0]
    h, w = frame.shape[:2]
    centre = grid_face.landmarks[:, :2].mean(axis=0) * (w, h)
    calls = []
    real = face_search_module.detect_faces

    def counting(rgb: np.ndarray, max_faces: int) -> list[RawFace]:
        calls.append(rgb.shape)
        return real(rgb, max_faces)

    monkeypatch.setattr(face_search_module, "detect_faces", counting)
    faces = find_faces(
        frame,
        tile_fraction=FACES.tile_fraction,
        tile_grid=FACES.tile_grid,
        max_faces=FACES.max_faces,
        near=[(float(centre[0]), float(centre[1]))],
    )
    assert len(calls) == 2  # the whole frame, then one tile centred on the known face
    assert len(faces) == 1
    moved = np.linalg.norm(
        faces[0].landmarks[:, :2] * (w, h) - grid_face.landmarks[:, :2] * (w, h), axis=1
    )
    assert np.median(moved) < 3.0


@pytest.mark.parametrize("size", [(1, 1), (2, 1), (16, 16), (127, 40)])
def test_tiny_images_have_no_face_and_no_crash(size: tuple[int, int]) -> None:
    # Half of such a frame is too small (or empty) to look in: the landmarker refuses 0-px tiles.
    noise = np.random.default_rng(7).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    ok, encoded = cv2.imencode(".png", noise)
    assert ok
    verdict = check_photo_detailed(encoded.tobytes(), with_card_crop=False).verdict
    present = verdict.result("face_present")
    assert verdict.status is Status.FAIL and present is not None and present.status is Status.FAIL
