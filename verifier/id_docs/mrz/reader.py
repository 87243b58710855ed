"""Reads the MRZ from pixels: locate, rectify a document seen in perspective, cut the lines along
their skew, recognise, and decode with the MRZ's layout and check digits.

`read_mrz(rgb)` returns `MrzRead(lines=None, ...)` when there is no MRZ it can stand behind: a
false MRZ is worse than none (the caller then asks for review, never fails for a missing MRZ).
A confident reading whose check digits fail is returned with the failing groups named: a
damaged, misread or altered document is what a reviewer must hear about.

What is reported, accepted and repaired is the policy's `[mrz_reader]` section (`read_mrz(rgb,
policy)`, the default policy's when none is given). The crop geometry below stays here: it
matches how the recogniser was trained, and no verdict threshold hangs on it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from verifier.id_docs.mrz.correct import (
    Alternative,
    Correction,
    correct_country_codes,
    correct_with_alternatives,
    corrections_between,
    failing_groups,
    prefer_neighbour_kind,
)
from verifier.id_docs.mrz.countries import is_known_code
from verifier.id_docs.mrz.layout import MrzFormat, layout_for, layout_of
from verifier.id_docs.mrz.locate import MrzCandidate, MrzRow, brightest_channel, locate_mrz
from verifier.id_docs.mrz.name_prior import prefer_likely_names
from verifier.id_docs.mrz.ocr import (
    LineReading,
    greedy_text,
    normalise_line,
    read_fixed_length,
    recogniser,
)
from verifier.policy import MrzReaderPolicy, default_policy

# Crop geometry, matching the recogniser's training (glyphs 45-75 % of the crop height).
_CROP_HEIGHT_PER_GLYPH = 1 / 0.6
# Glyph heights added at both ends of a line. Every margin is read when the first one needs
# corrections, and the check digits choose: the reading must not hang on one crop parameter.
_END_MARGINS = (0.9, 2.4, 1.5)
# Further crops of each line, glyph at 50 % and 70 % of the height, averaged with the first.
_ENSEMBLE_HEIGHTS = (1 / 0.5, 1 / 0.7)


@dataclass(frozen=True)
class MrzRead:
    lines: list[str] | None
    doc_format: str | None  # TD1 / TD2 / TD3 / MRVA / MRVB / FRA_ID
    rotation_degrees: int  # clockwise rotation that makes the MRZ read left to right
    method: str  # "project"
    elapsed_ms: float
    skew_degrees: float = 0.0  # residual tilt after the 90-degree rotation
    line_confidences: tuple[float, ...] = ()
    failed_checks: tuple[str, ...] = ()  # check-digit groups that fail on the returned lines
    corrections: tuple[Correction, ...] = ()  # characters changed from the recogniser's choice
    rectified: bool = False  # read from a perspective-corrected cut-out
    # Corners of the MRZ (original pixels), for drawing; empty when not located.
    box: tuple[tuple[float, float], ...] = field(default=())

    @property
    def corrected_characters(self) -> int:
        return len(self.corrections)


@dataclass(frozen=True)
class _Hypothesis:
    doc_format: str
    lines: list[str]
    readings: list[LineReading]
    failing: list[str]
    corrections: tuple[Correction, ...]
    correction_cost: float
    length_error: int
    angle_deg: float
    box: tuple[tuple[float, float], ...]
    rectified: bool = False

    @property
    def mean_confidence(self) -> float:
        return float(np.mean([r.mean_confidence for r in self.readings]))

    def rank(self) -> tuple[float, ...]:
        """Fewest failing check groups, then the right length, then the plain cut before the
        rectified one (the rectification resamples the glyphs: it rescues readings, and on
        names, which no check digit covers, it can also cost a letter), then the lowest cost
        per character: the recogniser's (field-type penalties included) plus the corrections'."""
        chars = sum(len(r.text) for r in self.readings)
        cost = self.correction_cost - sum(r.log_score for r in self.readings)
        return (len(self.failing), self.length_error, float(self.rectified), cost / chars)


def _cut_line(
    grey: np.ndarray,
    row: MrzRow,
    reverse: bool,
    end_margin: float,
    height_per_glyph: float = _CROP_HEIGHT_PER_GLYPH,
) -> np.ndarray:
    """The row cut out along its direction (upright when reverse is False), source resolution."""
    start, end = (row.end, row.start) if reverse else (row.start, row.end)
    ux, uy = end[0] - start[0], end[1] - start[1]
    length = math.hypot(ux, uy) or 1.0
    ux, uy = ux / length, uy / length
    nx, ny = -uy, ux  # points "down" the text
    margin = end_margin * row.glyph_height
    height = row.glyph_height * height_per_glyph
    out_w = max(8, round(length + 2 * margin))
    out_h = max(6, round(height))
    ox = start[0] - ux * margin - nx * height / 2
    oy = start[1] - uy * margin - ny * height / 2
    # Maps output (x, y) to source: origin + x * u + y * n.
    matrix = np.array([[ux, nx, ox], [uy, ny, oy]], np.float32)
    return cv2.warpAffine(
        grey,
        matrix,
        (out_w, out_h),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )


def _formats_for(row_count: int) -> list[tuple[str, tuple[int, ...]]]:
    """(format, indices of the rows used) hypotheses for a candidate with this many rows. Two
    lines of 36 are read as TD2 first; a first line starting `IDFRA` switches to the French
    card's layout (see `layout_of`)."""
    if row_count >= 3:
        return [
            ("TD1", (0, 1, 2)),
            ("TD3", (0, 1)),
            ("TD3", (1, 2)),
            ("TD2", (0, 1)),
            ("TD2", (1, 2)),
        ]
    return [("TD3", (0, 1)), ("TD2", (0, 1))]


def _hypothesis(
    doc_format: str,
    layout: str,
    readings: list[LineReading],
    angle_deg: float,
    box: tuple[tuple[float, float], ...],
    policy: MrzReaderPolicy,
) -> _Hypothesis | None:
    if any(not r.text for r in readings):
        return None
    lines = [r.text for r in readings]
    alternatives = [
        Alternative(line_no, index, char, cost)
        for line_no, reading in enumerate(readings)
        for index, alts in enumerate(reading.alternatives)
        for char, cost in alts
    ]
    typed, _ = prefer_neighbour_kind(layout, lines, alternatives, policy)
    typed, _ = correct_country_codes(layout, typed, alternatives, is_known_code, policy)
    # Undoing a field-type or country-code change costs nothing against the recogniser: its
    # first choice is then back (two zeros between letters, `X00T`, turned to O by the field
    # type, return when the check digits want them).
    undo = [
        Alternative(ln, i, lines[ln][i], 0.0)
        for ln, (old, new) in enumerate(zip(lines, typed, strict=True))
        for i, (a, b) in enumerate(zip(old, new, strict=True))
        if a != b
    ]
    corrected = typed
    if np.mean([r.mean_confidence for r in readings]) >= policy.min_confidence_to_repair:
        corrected, _ = correct_with_alternatives(layout, typed, alternatives + undo, policy)
    alternative_cost = {(a.line, a.index, a.char): a.cost for a in alternatives}
    cost = sum(
        alternative_cost.get((c.line, c.index, c.corrected), 0.0)
        for c in corrections_between(lines, corrected)
    )
    # After the check-digit search: names carry no check digit to disturb (on the ICAO formats;
    # the French card's names are under its composite and the prior leaves them alone).
    corrected = prefer_likely_names(
        layout, corrected, alternatives, max_gap=policy.name_prior_max_gap
    )
    length_error = sum(abs(len(r.free_text) - layout_for(doc_format).width) for r in readings)
    return _Hypothesis(
        str(layout),
        corrected,
        readings,
        failing_groups(layout, corrected),
        corrections_between(lines, corrected),
        cost,
        length_error,
        angle_deg,
        box,
    )


def _acceptable(h: _Hypothesis, policy: MrzReaderPolicy) -> bool:
    """Whether the reading is trustworthy enough to return (false MRZs are worse than none)."""
    # The free reading must be about the right length on every line; a little more slack when
    # every check digit holds as read (a stray mark at a line's end in a rectified cut-out).
    per_line = (
        policy.length_slack_per_line_valid_as_read
        if not h.failing and not h.corrections
        else policy.length_slack_per_line
    )
    if h.length_error > per_line * len(h.lines):
        return False
    if h.mean_confidence < policy.min_mean_confidence:
        return False
    if not h.failing:
        return True
    # Check digits that fail on a confident reading: a misprinted specimen, a damaged or an
    # altered document. Reported as read (the verdict names the failing groups) when every
    # line is confident and the text is an MRZ's: some check group holds or both country
    # codes are known ones. Text that is no MRZ meets neither.
    if min(r.mean_confidence for r in h.readings) < policy.min_confident_with_failures:
        return False
    table = layout_for(h.doc_format)
    groups_hold = len(h.failing) < len(table.check_groups)
    codes_known = all(
        is_known_code("".join(h.lines[ln][i] for ln, i in positions))
        for positions in table.country_positions()
    )
    return groups_hold or codes_known


def _frame_quality(probs: np.ndarray) -> float:
    """Mean top probability of the non-blank frames: high for a line read the right way up."""
    best = probs.argmax(axis=1)
    chars = best != 0
    return float(probs.max(axis=1)[chars].mean()) if chars.any() else 0.0


def _line_probabilities(
    grey: np.ndarray, rows: tuple[MrzRow, ...], reverse: bool, end_margin: float
) -> list[np.ndarray]:
    """Frame probabilities per row, averaged over crops of several heights resized to one width
    (the frames stay aligned): a small test-time ensemble against a wrong glyph-height estimate
    and neighbouring lines at the crop edges."""
    crops = []
    for row in rows:
        base = _cut_line(grey, row, reverse, end_margin)
        first = normalise_line(base)
        crops.append(first)
        for height_per_glyph in _ENSEMBLE_HEIGHTS:
            cut = _cut_line(grey, row, reverse, end_margin, height_per_glyph)
            crops.append(normalise_line(cut, width=first.shape[1]))
    probs = recogniser().frame_probabilities(crops)
    group = 1 + len(_ENSEMBLE_HEIGHTS)
    return [np.mean(probs[i : i + group], axis=0) for i in range(0, len(probs), group)]


def _read_rows(
    grey: np.ndarray,
    rows: tuple[MrzRow, ...],
    angle_deg: float,
    box: tuple[tuple[float, float], ...],
    end_margin: float,
    policy: MrzReaderPolicy,
) -> list[_Hypothesis]:
    """Hypotheses for one set of rows, the upright reading first, the 180-degree one only when
    the upright one does not validate; within a direction the most plausible format first."""
    hypotheses: list[_Hypothesis] = []
    for reverse in (False, True):
        ordered = rows[::-1] if reverse else rows  # read upside down: the last row comes first
        row_probs = _line_probabilities(grey, ordered, reverse, end_margin)
        lengths = [len(greedy_text(p)) for p in row_probs]
        if max(lengths) < policy.min_longest_line:  # nothing like an MRZ line this way round
            continue
        qualities = [_frame_quality(p) for p in row_probs]
        plans = []
        for doc_format, indices in _formats_for(len(rows)):
            expected = layout_for(doc_format).width
            length_error = sum(abs(lengths[i] - expected) for i in indices)
            if length_error > policy.format_max_length_error_per_line * len(indices):
                continue
            quality = float(np.mean([qualities[i] for i in indices]))
            plans.append((length_error, -quality, doc_format, indices))
        plans.sort(key=lambda plan: plan[:2])
        for _, _, doc_format, indices in plans:
            first = read_fixed_length(row_probs[indices[0]], layout_for(doc_format).allowed[0])
            layout = layout_of(doc_format, first.text)
            if layout is not MrzFormat(doc_format):
                first = read_fixed_length(row_probs[indices[0]], layout_for(layout).allowed[0])
            readings = [first] + [
                read_fixed_length(row_probs[i], layout_for(layout).allowed[k])
                for k, i in enumerate(indices)
                if k > 0
            ]
            angle = angle_deg + (180.0 if reverse else 0.0)
            h = _hypothesis(doc_format, layout, readings, angle, box, policy)
            if h is None:
                continue
            hypotheses.append(h)
            if not h.failing and _acceptable(h, policy):
                return hypotheses
    return hypotheses


Point = tuple[float, float]


def _outer_corners(rows: tuple[MrzRow, ...]) -> tuple[Point, Point, Point, Point]:
    """Where the outer rows' fitted lines meet the MRZ's first and last column: the corners of
    a rectangle on the document. The columns are taken perpendicular to the rows' mean
    direction, and the MRZ's extent along it is the widest any row reaches (one row's missed
    filler run must not shorten the MRZ)."""
    first, last = rows[0], rows[-1]

    def unit(row: MrzRow) -> tuple[float, float]:
        dx, dy = row.end[0] - row.start[0], row.end[1] - row.start[1]
        length = math.hypot(dx, dy) or 1.0
        return dx / length, dy / length

    (fx, fy), (lx, ly) = unit(first), unit(last)
    ux, uy = fx + lx, fy + ly
    norm = math.hypot(ux, uy) or 1.0
    ux, uy = ux / norm, uy / norm
    along = [
        p[0] * ux + p[1] * uy
        for row in rows
        for p in (row.own_start or row.start, row.own_end or row.end)
    ]
    low, high = min(along), max(along)

    def at(row: MrzRow, direction: tuple[float, float], position: float) -> Point:
        px, py = row.start
        step = (position - (px * ux + py * uy)) / ((direction[0] * ux + direction[1] * uy) or 1.0)
        return px + step * direction[0], py + step * direction[1]

    return (
        at(first, (fx, fy), low),
        at(first, (fx, fy), high),
        at(last, (lx, ly), high),
        at(last, (lx, ly), low),
    )


def perspective_distortion(rows: tuple[MrzRow, ...]) -> float:
    """How much the spacing of the outer rows' fitted lines differs between the MRZ's two ends,
    relative to the larger (0 for a flat scan; about 0.25 for a document turned 25 degrees
    about its vertical axis). Measured on the fitted lines, not on the rows' own first and last
    glyphs: a filler run the locator misses at the end of one row must not look like
    perspective."""
    a0, a1, b1, b0 = _outer_corners(rows)
    space_start, space_end = math.dist(a0, b0), math.dist(a1, b1)
    return abs(space_start - space_end) / max(space_start, space_end, 1.0)


def _rectified(grey: np.ndarray, candidate: MrzCandidate) -> tuple[np.ndarray, tuple[MrzRow, ...]]:
    """The MRZ cut out through the homography that maps the outer rows' corners (see
    `_outer_corners`) to a rectangle (every MRZ line has the same number of characters), with
    the rows in the cut-out's pixels."""
    rows = candidate.rows
    a0, a1, b1, b0 = _outer_corners(rows)
    glyph = float(np.mean([r.glyph_height for r in rows]))
    width = max(math.dist(a0, a1), math.dist(b0, b1))
    height = max(math.dist(a0, b0), math.dist(a1, b1))
    pad = 4 * glyph
    src = np.array([a0, a1, b1, b0], np.float32)
    dst = np.array(
        [[pad, pad], [pad + width, pad], [pad + width, pad + height], [pad, pad + height]],
        np.float32,
    )
    matrix = cv2.getPerspectiveTransform(src, dst)
    size = (round(width + 2 * pad), round(height + 2 * pad))
    warped = cv2.warpPerspective(
        grey, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    count = len(rows)
    flat = tuple(
        MrzRow(
            (pad, pad + height * k / max(1, count - 1)),
            (pad + width, pad + height * k / max(1, count - 1)),
            glyph,
            row.blob_count,
        )
        for k, row in enumerate(rows)
    )
    return warped, flat


def _read_candidate(
    grey: np.ndarray, candidate: MrzCandidate, end_margin: float, policy: MrzReaderPolicy
) -> list[_Hypothesis]:
    """Hypotheses for one candidate. Rows seen in perspective are read from the rectified
    cut-out as well as from the plain cut (glyphs at the far end are smaller and squeezed in
    the plain one); the check digits and the costs choose between them."""
    box = tuple(candidate.box())
    hypotheses = _read_rows(grey, candidate.rows, candidate.angle_deg, box, end_margin, policy)
    in_perspective = (
        len(candidate.rows) >= 2
        and perspective_distortion(candidate.rows) > policy.perspective_min_distortion
    )
    if in_perspective:
        warped, flat = _rectified(grey, candidate)
        hypotheses += [
            replace(h, rectified=True)
            for h in _read_rows(warped, flat, candidate.angle_deg, box, end_margin, policy)
        ]
    return hypotheses


def _settled(h: _Hypothesis, policy: MrzReaderPolicy) -> bool:
    return not h.failing and h.correction_cost <= policy.settled_cost and _acceptable(h, policy)


def _rotation_and_skew(angle_deg: float) -> tuple[int, float]:
    angle = (angle_deg + 180.0) % 360.0 - 180.0
    quarter = round(angle / 90.0)
    return int((-quarter * 90) % 360), angle - quarter * 90.0


def _from_hypothesis(h: _Hypothesis, started: float) -> MrzRead:
    rotation, skew = _rotation_and_skew(h.angle_deg)
    return MrzRead(
        lines=h.lines,
        doc_format=h.doc_format,
        rotation_degrees=rotation,
        method="project",
        elapsed_ms=(time.perf_counter() - started) * 1000,
        skew_degrees=round(skew, 2),
        line_confidences=tuple(round(r.mean_confidence, 4) for r in h.readings),
        failed_checks=tuple(h.failing),
        corrections=h.corrections,
        rectified=h.rectified,
        box=h.box,
    )


def read_mrz(rgb: np.ndarray, policy: MrzReaderPolicy | None = None) -> MrzRead:
    """The MRZ lines of an RGB image (EXIF orientation already applied by the decoder), or
    lines=None when no MRZ can be read with confidence. `policy` is the `[mrz_reader]` section
    (the default policy's when none is given)."""
    policy = policy or default_policy().mrz_reader
    started = time.perf_counter()
    grey = brightest_channel(np.ascontiguousarray(rgb))
    best: _Hypothesis | None = None
    candidates = locate_mrz(rgb, max_candidates=policy.max_candidates)
    hopeless: set[int] = set()
    for end_margin in _END_MARGINS:
        for number, candidate in enumerate(candidates):
            if number in hopeless:
                continue
            hypotheses = _read_candidate(grey, candidate, end_margin, policy)
            hopeful = policy.min_hopeful_confidence
            if hypotheses and max(h.mean_confidence for h in hypotheses) < hopeful:
                # Text that is no MRZ (a printed page): another crop margin will not make it one.
                hopeless.add(number)
            for h in hypotheses:
                # Only trustworthy readings compete: a garbage reading "validated" by
                # corrections must not push out a confident one with a misprinted check digit.
                if _acceptable(h, policy) and (best is None or h.rank() < best.rank()):
                    best = h
            if best is not None and _settled(best, policy):
                # Every check digit holds without a doubtful correction: no other crop can
                # do better.
                return _from_hypothesis(best, started)
        if best is not None and not best.failing and end_margin != _END_MARGINS[0]:
            # A corrected reading that another crop confirmed or could not beat.
            break
    if best is not None:
        return _from_hypothesis(best, started)
    return MrzRead(
        lines=None,
        doc_format=None,
        rotation_degrees=0,
        method="project",
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )
