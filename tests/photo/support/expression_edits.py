"""A closed-mouth angry face made from a real portrait by moving its skin, for the expression
tests.

`frown` finds the 478 MediaPipe landmarks with the project's own face analysis and moves the
mesh points as the muscles of an angry face (FACS action units 4, 5 and 23/24) move the skin
(the brows by amounts in inter-eye distances, IED; the lids and lips by shares of their size):

- the brows come down towards the eyes, their inner ends most and towards each other (the
  corrugator and procerus muscles), so they slant down to the nose; the brow moves as a whole,
  the forehead above it follows less the higher it is, the skin below it gives way down to the
  upper lid and, beside the nose, down the nose bridge;
- the upper lids go up a little, the glare of anger (a negative amount narrows the eyes
  instead: the classifier reads that as less angry, see tests/photo/test_expression_edits.py);
  the lower lids stay;
- the lips are pressed: each lip thinner towards the line where they meet, the mouth closed.

The image is then warped piecewise-affinely over a Delaunay triangulation of the mesh points
and of fixed anchors on a ring around the head and on the image's border, so nothing outside
the ring changes. Pure numpy and OpenCV, deterministic, under 0.1 s on a 1125 px photo.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from PIL import Image

from tests.photo.support import IMAGES
from tests.photo.support.portrait_edits import encode, landmarks_of
from verifier.photo import landmarks as lm

# The upper eyelid's margin, outer corner to inner corner, for each eye.
_RIGHT_LID = (33, 246, 161, 160, 159, 158, 157, 173, 133)
_LEFT_LID = (263, 466, 388, 387, 386, 385, 384, 398, 362)
_RIGHT_LOWER_LID = (33, 7, 163, 144, 145, 153, 154, 155, 133)
_LEFT_LOWER_LID = (263, 249, 390, 373, 374, 380, 381, 382, 362)
# Where the lips meet (the inner contour's upper edge), corner to corner.
_LIP_LINE = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
_UPPER_LIP_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
_LOWER_LIP_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
_MESH = 468  # the face mesh without the iris points (they move with the eye's triangles)
# How far below the inner eye corner, per IED nearer the midline, the skin beside the nose
# bridge gives way to the lowered brow.
_NOSE_REACH = 1.0


@dataclass(frozen=True)
class Frown:
    """How far each part moves: brows in IED, lids as a share of the eye's opening, lips as a
    share of each lip's height. The defaults are the test's angry face."""

    brow_inner_drop: float = 0.18  # inner brow end, towards the eye (about 11 mm)
    brow_outer_drop: float = -0.03  # outer brow end, towards the eye (here: 2 mm up)
    brow_pull: float = 0.05  # inner brow end, towards the nose (each side)
    lid_raise: float = 0.30  # upper lid margin, up (negative: down, the eye narrows)
    lip_press: float = 0.30  # each lip's height lost, towards the line where they meet


@dataclass(frozen=True)
class Face:
    rgb: np.ndarray
    points: np.ndarray  # (478, 2) in `rgb`'s pixels


def find_face(rgb: np.ndarray) -> Face:
    """The portrait with its landmarks, from the project's own analysis (scaled to `rgb`)."""
    return Face(rgb, landmarks_of(rgb))


@cache
def compliant_portrait() -> np.ndarray:
    """tests/images/compliant_portrait.jpg as RGB: the face the frown is made on."""
    return np.asarray(Image.open(IMAGES / "compliant_portrait.jpg").convert("RGB"))


@cache
def frowning_portrait_png() -> bytes:
    """The compliant portrait with the default angry face, as PNG bytes (made once)."""
    return encode(frown(find_face(compliant_portrait())))


def frown(face: Face, amounts: Frown = Frown()) -> np.ndarray:
    """The portrait with an angry face, the mouth closed (see the module docstring)."""
    points = face.points[:_MESH].astype(np.float64)
    return warp(face.rgb, points, points + displacements(face.points, amounts))


def displacements(points: np.ndarray, a: Frown) -> np.ndarray:
    """How far each of the 468 mesh points moves, in pixels."""
    right_eye = (points[lm.RIGHT_EYE_OUTER] + points[lm.RIGHT_EYE_INNER]) / 2
    left_eye = (points[lm.LEFT_EYE_OUTER] + points[lm.LEFT_EYE_INNER]) / 2
    ied = float(np.linalg.norm(left_eye - right_eye))
    x_axis = (left_eye - right_eye) / ied
    y_axis = np.array([-x_axis[1], x_axis[0]])  # towards the chin
    origin = (left_eye + right_eye) / 2
    # The face's own frame, in IED: x towards the image right, y towards the chin.
    frame = (points[:_MESH] - origin) @ np.stack([x_axis, y_axis]).T / ied
    x, y = frame[:, 0], frame[:, 1]

    def curve(indices: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        c = frame[list(indices)]
        order = np.argsort(c[:, 0])
        return c[order, 0], c[order, 1]

    moved = np.zeros_like(frame)
    for brow, brow_lower, lid_margin, lower_lid, side in (
        (lm.RIGHT_BROW, lm.RIGHT_BROW_LOWER, _RIGHT_LID, _RIGHT_LOWER_LID, -1.0),
        (lm.LEFT_BROW, lm.LEFT_BROW_LOWER, _LEFT_LID, _LEFT_LOWER_LID, 1.0),
    ):
        half = x >= 0 if side > 0 else x < 0  # this side of the face
        ax = np.abs(x)
        # The brow's upper and lower edges and the lids' margins under it, as curves over x.
        brow_top = np.interp(x, *curve(brow))
        brow_bottom = np.interp(x, *curve(brow_lower))
        lid_y = np.interp(x, *curve(lid_margin))
        low_y = np.interp(x, *curve(lower_lid))
        inner_x = abs(frame[brow[-1], 0] + frame[brow_lower[-1], 0]) / 2
        outer_x = abs(frame[brow[0], 0] + frame[brow_lower[0], 0]) / 2
        corner_x = abs(frame[lid_margin[-1], 0])  # the inner eye corner
        beyond = np.exp(-((np.clip(ax - outer_x, 0, None) / 0.15) ** 2))  # past the brow's end
        # How far the brow comes down at each x: the inner drop at the inner end, the outer at
        # the outer end, half the inner drop at the midline.
        t = np.clip((ax - inner_x) / (outer_x - inner_x), 0, 1)
        drop = a.brow_inner_drop + (a.brow_outer_drop - a.brow_inner_drop) * t
        drop = np.where(ax < inner_x, a.brow_inner_drop * (0.5 + 0.5 * ax / inner_x), drop)
        drop = drop * beyond
        # Towards the nose: most at the inner end, none at the midline, fading outwards.
        pull = a.brow_pull * np.where(
            ax < inner_x, ax / inner_x, np.exp(-(((ax - inner_x) / 0.3) ** 2))
        )
        opening = np.clip(low_y - lid_y, 0, None)
        lid = -a.lid_raise * opening * beyond  # how far the lid margin comes down
        # The brow moves as a whole; the forehead above it follows, less the higher. Below it
        # the skin gives way down to the upper lid (which moves by the lid's own amount) and,
        # beside the nose, further down the nose bridge; the eye's opening takes the lid's
        # movement down to nothing at the lower lid.
        give = lid_y + _NOSE_REACH * np.clip(corner_x - ax, 0, None)
        forehead = np.exp(-((np.clip(brow_top - y, 0, None) / 0.35) ** 2))
        s = np.clip((give - y) / np.clip(give - brow_bottom, 1e-6, None), 0, 1)
        eye = np.clip((low_y - y) / np.clip(opening, 1e-6, None), 0, 1)
        down = np.where(
            y <= brow_bottom,
            drop * forehead,
            np.where(y <= give, lid + (drop - lid) * s, lid * eye),
        )
        across = np.where(y <= brow_bottom, forehead, s)
        moved[half, 1] += down[half]
        moved[half, 0] -= (side * pull * across)[half]

    # Pressed lips: each point of a lip moves towards the line where the lips meet by the
    # share `lip_press` of its distance from it; the skin beyond the lip follows less.
    mx, my = curve(_LIP_LINE)
    ux, uy = curve(_UPPER_LIP_OUTER)
    dx, dy = curve(_LOWER_LIP_OUTER)
    width = mx[-1] - mx[0]
    centre_x = (mx[0] + mx[-1]) / 2
    line = np.interp(x, mx, my)
    upper = np.clip(line - np.interp(x, ux, uy), 0.02, None)
    lower = np.clip(np.interp(x, dx, dy) - line, 0.02, None)
    height = np.where(y < line, upper, lower)
    r = (y - line) / height  # -1 at the upper lip's edge, +1 at the lower's
    along = np.exp(-((np.clip(np.abs(x - centre_x) - width / 2, 0, None) / 0.1) ** 2))
    outside = np.exp(-((np.clip(np.abs(r) - 1, 0, None) * height / 0.12) ** 2))
    moved[:, 1] -= a.lip_press * height * np.clip(r, -1, 1) * outside * along

    return np.asarray(moved * ied @ np.stack([x_axis, y_axis]))


def warp(rgb: np.ndarray, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """`rgb` warped so each `source` point lands on its `target`: piecewise-affine over a
    Delaunay triangulation of the points and fixed anchors (a ring around them and the
    image's border)."""
    h, w = rgb.shape[:2]
    centre = source.mean(axis=0)
    spread = np.abs(source - centre).max(axis=0)
    angles = np.linspace(0, 2 * np.pi, 32, endpoint=False)
    ring = centre + np.stack([np.cos(angles), np.sin(angles)], axis=1) * spread * 1.35
    border = np.array(
        [(x, y) for x in np.linspace(0, w - 1, 5) for y in (0, h - 1)]
        + [(x, y) for y in np.linspace(0, h - 1, 5)[1:-1] for x in (0, w - 1)]
    )
    ring = np.clip(ring, 0, [w - 1, h - 1])
    anchors = np.vstack([ring, border])
    src = np.vstack([source, anchors])
    dst = np.vstack([target, anchors])
    triangles = _delaunay(src, w, h)

    # Only triangles with a moving corner change the image: each output pixel of theirs (in
    # their bounding box) gets its triangle, then the affine map from the output to the input.
    moves = np.any(np.abs(dst - src) > 1e-9, axis=1)
    triangles = triangles[moves[triangles].any(axis=1)]
    x0, y0 = np.floor(dst[triangles].reshape(-1, 2).min(axis=0)).astype(int).clip(0)
    x1, y1 = np.ceil(dst[triangles].reshape(-1, 2).max(axis=0)).astype(int) + 1
    x1, y1 = min(x1, w), min(y1, h)
    label = np.full((y1 - y0, x1 - x0), -1, dtype=np.int32)
    maps = np.zeros((len(triangles), 2, 3))
    for k, tri in enumerate(triangles):
        corners = dst[tri] - (x0, y0)
        cv2.fillConvexPoly(label, np.round(corners * 16).astype(np.int32), k, cv2.LINE_8, 4)
        maps[k] = cv2.getAffineTransform(dst[tri].astype(np.float32), src[tri].astype(np.float32))
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    inside = label >= 0
    m = maps[label[inside]]
    px, py = xx[inside], yy[inside]
    map_x, map_y = xx.copy(), yy.copy()
    map_x[inside] = m[:, 0, 0] * px + m[:, 0, 1] * py + m[:, 0, 2]
    map_y[inside] = m[:, 1, 0] * px + m[:, 1, 1] * py + m[:, 1, 2]
    out = rgb.copy()
    out[y0:y1, x0:x1] = cv2.remap(
        rgb, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return out


def _delaunay(points: np.ndarray, w: int, h: int) -> np.ndarray:
    """The Delaunay triangles of `points` as (n, 3) indices (OpenCV's Subdiv2D)."""
    subdiv = cv2.Subdiv2D((-1, -1, w + 2, h + 2))
    index = {}
    for i, (x, y) in enumerate(points.astype(np.float32)):
        subdiv.insert((float(x), float(y)))
        index[(float(x), float(y))] = i
    triangles = []
    for t in subdiv.getTriangleList():
        corners = [(float(np.float32(t[j])), float(np.float32(t[j + 1]))) for j in (0, 2, 4)]
        if all(c in index for c in corners):
            triangles.append([index[c] for c in corners])
    return np.array(triangles, dtype=np.int64)
