"""Finds the faces in a photo: the whole frame first, then, when that finds none, overlapping
tiles.

The landmarker's detector is BlazeFace short-range: it sees the photo at 128x128 and misses a
face that fills only a few percent of the frame (a full-body photo, a group seen from a
distance). Such a face is still worth finding: the employee should hear "move closer" from
`face_size`, not "no face" from `face_present`. A tile of half the frame doubles the face's size
at the detector's input; a 3x3 grid of them with a quarter's overlap puts every face wholly inside
at least one tile. Tiles run only when the whole frame shows no face, so ordinary portraits pay
nothing.
"""

from __future__ import annotations

import numpy as np

from verifier.photo.face_landmarker import RawFace, detect_faces

# A tile with a shorter side holds no face the rules could judge (under ~20 px wide), and the
# landmarker refuses empty images.
_MIN_TILE_PX = 64


def _tile_origins(size: int, tile: int, count: int) -> list[int]:
    if count <= 1 or tile >= size:
        return [0]
    return sorted({round(i * (size - tile) / (count - 1)) for i in range(count)})


def _in_frame(
    face: RawFace, x0: int, y0: int, tile_w: int, tile_h: int, width: int, height: int
) -> RawFace:
    """The face found in a tile, with its landmarks in the whole frame's normalised coordinates
    (z is in units of the image width, so it scales with x)."""
    points = face.landmarks.copy()
    points[:, 0] = (points[:, 0] * tile_w + x0) / width
    points[:, 1] = (points[:, 1] * tile_h + y0) / height
    points[:, 2] = points[:, 2] * tile_w / width
    return RawFace(points, face.blendshapes, face.matrix)


def _centre_and_size(face: RawFace, width: int, height: int) -> tuple[np.ndarray, float]:
    return face.pixel_centre(width, height), float(np.ptp(face.landmarks[:, 0]) * width)


def _tiles_around(
    points: list[tuple[float, float]], width: int, height: int, tile_w: int, tile_h: int
) -> list[tuple[int, int]]:
    """Tile origins centred on the given points, kept inside the frame."""
    return [
        (
            int(min(max(0, round(x - tile_w / 2)), width - tile_w)),
            int(min(max(0, round(y - tile_h / 2)), height - tile_h)),
        )
        for x, y in points
    ]


def find_faces(
    rgb: np.ndarray,
    *,
    tile_fraction: float,
    tile_grid: int,
    max_faces: int,
    near: list[tuple[float, float]] | None = None,
) -> list[RawFace]:
    """Faces in the whole frame; if none, the distinct faces found in the tiles (each face from
    the tile whose centre it lies nearest, where it is least likely to be cut by the edge).
    `near`: where faces were already found (pixels of this frame), e.g. by an analysis of a
    coarser copy: then one tile centred on each replaces the grid."""
    faces = detect_faces(rgb, max_faces)
    if faces or tile_grid < 2:
        return faces
    height, width = rgb.shape[:2]
    tile_w, tile_h = round(width * tile_fraction), round(height * tile_fraction)
    if min(tile_w, tile_h) < _MIN_TILE_PX:
        return []
    if near:
        origins = _tiles_around(near, width, height, tile_w, tile_h)
    else:
        origins = [
            (x0, y0)
            for y0 in _tile_origins(height, tile_h, tile_grid)
            for x0 in _tile_origins(width, tile_w, tile_grid)
        ]
    # Per distinct face: (distance from its tile's centre in face widths, centre, width, face).
    found: list[tuple[float, np.ndarray, float, RawFace]] = []
    for x0, y0 in origins:
        tile = np.ascontiguousarray(rgb[y0 : y0 + tile_h, x0 : x0 + tile_w])
        tile_centre = np.array([x0 + tile_w / 2, y0 + tile_h / 2])
        for raw in detect_faces(tile, max_faces):
            face = _in_frame(raw, x0, y0, tile_w, tile_h, width, height)
            centre, size = _centre_and_size(face, width, height)
            offset = float(np.linalg.norm(centre - tile_centre)) / max(size, 1.0)
            same = [
                i for i, known in enumerate(found) if np.linalg.norm(known[1] - centre) < 0.5 * size
            ]
            if not same:
                found.append((offset, centre, size, face))
            elif offset < found[same[0]][0]:
                found[same[0]] = (offset, centre, size, face)
    found.sort(key=lambda entry: -entry[2])  # largest first
    return [entry[3] for entry in found[:max_faces]]
