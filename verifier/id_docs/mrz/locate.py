"""Finds MRZ candidates: groups of 2-3 parallel, evenly pitched rows of character-sized blobs.

Scale- and rotation-tolerant by construction: dark blobs of character size are chained into
rows (any direction within ±40 degrees of the image axes; rows running top-down are found by
transposing the blob geometry), rows are merged when collinear, and parallel rows of similar
glyph height, length and left edge, 1.3-2.8 glyph heights apart, form a candidate. Each row
carries its exact line (centre, direction), so skew comes for free and the reader cuts each
line out along it. The reading direction (0 vs 180, 90 vs 270 degrees) is left to the
recogniser, which reads both ways.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

# Working resolution for finding the blobs (long side, px). The crops for reading are cut from
# the original pixels, so this only needs to keep MRZ glyphs between ~6 and ~60 px high.
_WORK_LONG_SIDE = 1000
_MIN_CHARS_IN_ROW = 10
_MAX_ROW_ANGLE_DEG = 40.0


@dataclass(frozen=True)
class MrzRow:
    """One MRZ row in original-image pixels: left end, unit reading direction, glyph height."""

    start: tuple[float, float]
    end: tuple[float, float]
    glyph_height: float
    blob_count: int
    # The row's own first and last glyph (start/end span all rows of the candidate alike): under
    # perspective the rows differ, and their four ends give the geometry to rectify.
    own_start: tuple[float, float] | None = None
    own_end: tuple[float, float] | None = None

    @property
    def length(self) -> float:
        return math.dist(self.start, self.end)

    @property
    def direction(self) -> tuple[float, float]:
        dx, dy = self.end[0] - self.start[0], self.end[1] - self.start[1]
        norm = math.hypot(dx, dy) or 1.0
        return dx / norm, dy / norm


@dataclass(frozen=True)
class MrzCandidate:
    rows: tuple[MrzRow, ...]  # in order across the MRZ (top to bottom for an upright MRZ)
    angle_deg: float  # direction of the rows, clockwise from the image x axis, in (-180, 180]
    score: float

    def box(self) -> list[tuple[float, float]]:
        """The four corners around all rows (original pixels), for drawing."""
        first, last = self.rows[0], self.rows[-1]
        ux, uy = first.direction
        nx, ny = -uy, ux
        pad = first.glyph_height * 0.8
        corners = []
        for point, sign in ((first.start, -1), (first.end, -1), (last.end, 1), (last.start, 1)):
            corners.append((point[0] + sign * nx * pad, point[1] + sign * ny * pad))
        return corners


@dataclass
class _Row:
    centres: np.ndarray  # K x 2 blob centres (working pixels, in the transposed frame if any)
    heights: np.ndarray
    lefts: np.ndarray
    rights: np.ndarray

    def fit(self) -> tuple[float, float, float]:
        """slope, intercept (y = a x + b) and the median blob height."""
        x, y = self.centres[:, 0], self.centres[:, 1]
        a, b = np.polyfit(x, y, 1) if len(x) > 1 else (0.0, float(y[0]))
        # The 80th percentile: capitals and digits, not the shorter '<' of some fonts.
        return float(a), float(b), float(np.percentile(self.heights, 80))


def _dark_blobs(grey: np.ndarray) -> np.ndarray:
    """Stats (x, y, w, h, area) of dark character-sized blobs."""
    binary = cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 12
    )
    count, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    stats = stats[1:count]
    w, h, area = stats[:, 2], stats[:, 3], stats[:, 4]
    # Orientation-free here; the shape test for upright glyphs is made per reading axis.
    long_side, short_side = np.maximum(w, h), np.minimum(w, h)
    keep = (
        (long_side >= 5)
        & (long_side <= 144)
        & (short_side >= 1)
        & (area >= 0.12 * w * h)
        & (area >= 8)
    )
    return stats[keep]


def _glyph_shaped(stats: np.ndarray) -> np.ndarray:
    """The blobs that can be a glyph standing upright (x along the reading axis)."""
    w, h = stats[:, 2], stats[:, 3]
    return stats[(h >= 5) & (h <= 90) & (w <= 1.6 * h + 2)]


def _chain(stats: np.ndarray) -> list[_Row]:
    """Links each blob to its nearest plausible right-hand neighbour; returns rows of blobs."""
    if len(stats) == 0:
        return []
    x, y, w, h = (stats[:, i].astype(np.float64) for i in range(4))
    cx, cy = x + w / 2, y + h / 2
    order = np.argsort(cx)
    cx, cy, w, h, x = cx[order], cy[order], w[order], h[order], x[order]
    n = len(cx)
    nxt = np.full(n, -1)
    best_d = np.full(n, np.inf)
    tan_max = math.tan(math.radians(_MAX_ROW_ANGLE_DEG))
    # Sweep over index offsets (blobs sorted by x), vectorised over all blobs at once: stops
    # when no blob has a neighbour within reach any more.
    reach = cx + 2.6 * h
    for k in range(1, n):
        i = np.arange(n - k)
        j = i + k
        active = cx[j] <= reach[i]
        if not active.any():
            break
        i, j = i[active], j[active]
        dx = cx[j] - cx[i]
        ratio = h[j] / h[i]
        dy = np.abs(cy[j] - cy[i])
        d = dx + 2 * dy
        ok = (
            (dx >= 0.45 * h[i])
            & (ratio >= 0.6)
            & (ratio <= 1.6)
            & (dy <= 0.3 * h[i] + tan_max * dx)
        )
        better = ok & (d < best_d[i])
        best_d[i[better]] = d[better]
        nxt[i[better]] = j[better]
    # Keep mutual links only: j must not be claimed by a closer i.
    prev = np.full(n, -1)
    for k in range(n):
        target = int(nxt[k])
        if target >= 0 and (prev[target] < 0 or cx[target] - cx[prev[target]] > cx[target] - cx[k]):
            prev[target] = k
    rows = []
    for k in range(n):
        if prev[k] >= 0 and nxt[prev[k]] == k:
            continue  # not a chain start
        members = [k]
        while nxt[members[-1]] >= 0 and prev[nxt[members[-1]]] == members[-1]:
            members.append(int(nxt[members[-1]]))
        if len(members) >= 4:
            idx = np.array(members)
            rows.append(_Row(np.stack([cx[idx], cy[idx]], 1), h[idx], x[idx], x[idx] + w[idx]))
    return rows


def _merge_collinear(rows: list[_Row]) -> list[_Row]:
    """Joins pieces of one row split by a gap (a missing or merged glyph)."""
    rows = sorted(rows, key=lambda r: float(r.centres[0, 0]))
    starts = np.array([float(r.centres[0, 0]) for r in rows])
    fits = [r.fit() for r in rows]
    merged: list[_Row] = []
    used = [False] * len(rows)
    for i, row in enumerate(rows):
        if used[i]:
            continue
        current = row
        a, b, hh = fits[i]
        j = i + 1
        while j < len(rows):
            end_x = float(current.centres[-1, 0])
            if starts[j] > end_x + 6 * hh:
                break
            other = rows[j]
            oh = fits[j][2]
            if (
                used[j]
                or starts[j] < end_x
                or abs(oh / hh - 1) > 0.3
                or abs(other.centres[0, 1] - (a * starts[j] + b)) > 0.45 * hh
                or np.max(np.abs(other.centres[:, 1] - (a * other.centres[:, 0] + b))) > 0.45 * hh
            ):
                j += 1
                continue
            current = _Row(
                np.vstack([current.centres, other.centres]),
                np.concatenate([current.heights, other.heights]),
                np.concatenate([current.lefts, other.lefts]),
                np.concatenate([current.rights, other.rights]),
            )
            a, b, hh = current.fit()
            used[j] = True
            j += 1
        merged.append(current)
    return merged


@dataclass(frozen=True)
class _Line:
    a: float
    b: float
    height: float
    x0: float
    x1: float
    count: int

    def point(self, x: float) -> tuple[float, float]:
        return x, self.a * x + self.b

    @property
    def angle(self) -> float:
        return math.degrees(math.atan(self.a))

    def offset_from(self, other: _Line) -> float:
        """Signed perpendicular distance of this line's middle from the other line."""
        mx = (self.x0 + self.x1) / 2
        my = self.a * mx + self.b
        return (my - (other.a * mx + other.b)) / math.hypot(1, other.a)


def _lines(rows: list[_Row]) -> list[_Line]:
    lines = []
    for row in rows:
        if len(row.centres) < _MIN_CHARS_IN_ROW:
            continue
        a, b, hh = row.fit()
        residual = np.abs(row.centres[:, 1] - (a * row.centres[:, 0] + b))
        if np.median(residual) > 0.25 * hh:
            continue
        # Monospace: blob spacing is regular, unlike proportional printed text.
        steps = np.diff(row.centres[:, 0]) * math.hypot(1, a)
        pitch = float(np.median(steps))
        if pitch < 0.55 * hh or pitch > 1.9 * hh:
            continue
        length = float(row.rights.max() - row.lefts.min())
        if length < 8 * hh:
            continue
        lines.append(
            _Line(a, b, hh, float(row.lefts.min()), float(row.rights.max()), len(row.centres))
        )
    return lines


def _groups(lines: list[_Line]) -> list[list[_Line]]:
    """Sets of 2-3 parallel lines stacked at MRZ spacing with similar extent."""
    lines = sorted(lines, key=lambda ln: ln.b + ln.a * (ln.x0 + ln.x1) / 2)
    groups: list[list[_Line]] = []
    for i, first in enumerate(lines):
        group = [first]
        for other in lines[i + 1 :]:
            last = group[-1]
            if abs(other.angle - last.angle) > 4.0:
                continue
            if abs(other.height / last.height - 1) > 0.3:
                continue
            spacing = other.offset_from(last)
            if not (1.2 * last.height <= spacing <= 2.9 * last.height):
                continue
            length_last, length_other = last.x1 - last.x0, other.x1 - other.x0
            if min(length_last, length_other) < 0.55 * max(length_last, length_other):
                continue
            if abs(other.x0 - last.x0) > 0.25 * max(length_last, length_other) + 3 * last.height:
                continue
            group.append(other)
            if len(group) == 3:
                break
        if len(group) >= 2:
            groups.append(group)
    return groups


def _to_original(point: tuple[float, float], transposed: bool, scale: float) -> tuple[float, float]:
    x, y = point
    if transposed:
        x, y = y, x
    return x / scale, y / scale


def brightest_channel(rgb: np.ndarray) -> np.ndarray:
    if rgb.ndim == 2:
        return rgb
    return cv2.max(cv2.max(rgb[..., 0], rgb[..., 1]), rgb[..., 2])


def locate_mrz(rgb: np.ndarray, max_candidates: int = 4) -> list[MrzCandidate]:
    """MRZ candidates, best first (empty when nothing looks like an MRZ)."""
    # The brightest channel: black MRZ ink stays dark while coloured security print and
    # coloured annotations (red frames) turn light.
    h, w = rgb.shape[:2]
    scale = _WORK_LONG_SIDE / max(h, w)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    work = cv2.resize(
        rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=interpolation
    )
    work = brightest_channel(work)
    stats = _dark_blobs(work)
    candidates: list[MrzCandidate] = []
    for transposed in (False, True):
        blobs = _glyph_shaped(stats[:, [1, 0, 3, 2, 4]] if transposed else stats)
        lines = _lines(_merge_collinear(_chain(blobs)))
        for group in _groups(lines):
            x0 = min(ln.x0 for ln in group)
            x1 = max(ln.x1 for ln in group)
            rows = []
            for ln in group:
                start = _to_original(ln.point(x0), transposed, scale)
                end = _to_original(ln.point(x1), transposed, scale)
                rows.append(
                    MrzRow(
                        start,
                        end,
                        ln.height / scale,
                        ln.count,
                        _to_original(ln.point(ln.x0), transposed, scale),
                        _to_original(ln.point(ln.x1), transposed, scale),
                    )
                )
            ux, uy = rows[0].direction
            # Order the rows along the text's "down" (the direction turned 90 degrees clockwise):
            # in the transposed frame the sort above ran the other way.
            rows.sort(key=lambda r: -uy * (r.start[0] + r.end[0]) + ux * (r.start[1] + r.end[1]))
            angle = math.degrees(math.atan2(uy, ux))
            # Long rows of many blobs near the bottom of the image score best.
            length_chars = sum(ln.count for ln in group)
            bottomness = float(np.mean([r.start[1] + r.end[1] for r in rows]) / (2 * h))
            score = length_chars + 5 * bottomness + (3 if len(group) >= 2 else 0)
            candidates.append(MrzCandidate(tuple(rows), angle, score))
    candidates.sort(key=lambda c: -c.score)
    return candidates[:max_candidates]
