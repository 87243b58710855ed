"""Reads the MRZ from pixels: locate, cut the lines along their skew, recognise, decode with the
MRZ's structure, and ask PassportEye for a second opinion when the own reading does not validate.

`read_mrz(rgb)` returns `MrzRead(lines=None, ...)` when there is no MRZ it can stand behind: a
false MRZ is worse than none (the caller then asks for review, never fails for a missing MRZ).
"""

from __future__ import annotations

import io
import math
import time
import warnings
from dataclasses import dataclass, field

import cv2
import numpy as np

from verifier.id_docs.mrz.correct import (
    Alternative,
    correct_country_codes,
    correct_with_alternatives,
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

# Crop geometry, matching the recogniser's training (glyphs 45-75 % of the crop height).
_CROP_HEIGHT_PER_GLYPH = 1 / 0.6
_END_MARGINS = (0.9, 2.4)
_ENSEMBLE_HEIGHTS = (
    1 / 0.5,
    1 / 0.7,
)  # further crops, glyph at 50 % and 70 % of the height  # glyph heights added at both ends; the wider one on a second try
# Acceptance of the own reading (see `_acceptable`).
_MAX_CORRECTION_COST = 9.0
_MIN_MEAN_CONFIDENCE = 0.80
_MIN_CONFIDENT_WITH_FAILURES = 0.93
_MAX_CANDIDATES = 3
# Name letters the spelling prior may choose between: within this many nats of the recogniser's
# choice (e^1.5: the recogniser thinks the other letter at most 4.5 times less likely).
_NAME_PRIOR_MAX_GAP = 1.5


@dataclass(frozen=True)
class MrzRead:
    lines: list[str] | None
    doc_format: str | None  # TD1 / TD2 / TD3
    rotation_degrees: int  # clockwise rotation that makes the MRZ read left to right
    method: str  # "project" or "passporteye"
    elapsed_ms: float
    skew_degrees: float = 0.0  # residual tilt after the 90-degree rotation
    line_confidences: tuple[float, ...] = ()
    failed_checks: tuple[str, ...] = ()  # check-digit groups that still fail
    corrected_characters: int = 0  # characters changed by the check-digit search
    # Corners of the MRZ (original pixels), for drawing; empty when not located.
    box: tuple[tuple[float, float], ...] = field(default=())


@dataclass(frozen=True)
class _Hypothesis:
    doc_format: str
    lines: list[str]
    readings: list[LineReading]
    failing: list[str]
    corrections: int
    correction_cost: float
    length_error: int
    angle_deg: float
    box: tuple[tuple[float, float], ...]

    @property
    def mean_confidence(self) -> float:
        return float(np.mean([r.mean_confidence for r in self.readings]))

    def rank(self) -> tuple[float, ...]:
        return (
            len(self.failing),
            self.length_error,
            self.correction_cost,
            -sum(r.log_score for r in self.readings) / sum(len(r.text) for r in self.readings),
        )


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
    """(format, indices of the rows used) hypotheses for a candidate with this many rows."""
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
    typed, kind_cost = prefer_neighbour_kind(layout, lines, alternatives)
    typed, country_cost = correct_country_codes(layout, typed, alternatives, is_known_code)
    corrected, check_cost = correct_with_alternatives(
        layout, typed, alternatives, max_cost=_MAX_CORRECTION_COST
    )
    if failing_groups(layout, corrected):
        # Corrections count only when they make the whole MRZ valid: otherwise they are guesses
        # (and some specimens print a wrong check digit that no correction should hide).
        corrected, check_cost = typed, 0.0
    cost = kind_cost + country_cost + check_cost
    changes = sum(
        a != b
        for old, new in zip(lines, corrected, strict=True)
        for a, b in zip(old, new, strict=True)
    )
    # After counting the check-digit corrections: names carry no check digit to disturb.
    corrected = prefer_likely_names(layout, corrected, alternatives, max_gap=_NAME_PRIOR_MAX_GAP)
    length_error = sum(abs(len(r.free_text) - layout_for(doc_format).width) for r in readings)
    return _Hypothesis(
        doc_format,
        corrected,
        readings,
        failing_groups(layout, corrected),
        changes,
        cost,
        length_error,
        angle_deg,
        box,
    )


def _acceptable(h: _Hypothesis) -> bool:
    """Whether the own reading is trustworthy enough to return (false MRZs are worse than none)."""
    n_lines = len(h.lines)
    if h.length_error > n_lines:  # the free reading must be about the right length on every line
        return False
    if h.mean_confidence < _MIN_MEAN_CONFIDENCE:
        return False
    if not h.failing:
        return True
    # A few specimens print a wrong check digit; accept one or two failures only when the
    # recogniser is confident in every line and did not have to guess to get there.
    return (
        len(h.failing) <= 2
        and h.corrections == 0
        and min(r.mean_confidence for r in h.readings) >= _MIN_CONFIDENT_WITH_FAILURES
    )


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


def _read_candidate(
    grey: np.ndarray, candidate: MrzCandidate, end_margin: float
) -> list[_Hypothesis]:
    """Hypotheses for one candidate, the upright reading first, the 180-degree one only when
    the upright one does not validate; within a direction the most plausible format first."""
    rows = candidate.rows
    box = tuple(candidate.box())
    hypotheses: list[_Hypothesis] = []
    for reverse in (False, True):
        ordered = rows[::-1] if reverse else rows  # read upside down: the last row comes first
        row_probs = _line_probabilities(grey, ordered, reverse, end_margin)
        lengths = [len(greedy_text(p)) for p in row_probs]
        if max(lengths) < 20:  # nothing like an MRZ line this way round
            continue
        qualities = [_frame_quality(p) for p in row_probs]
        plans = []
        for doc_format, indices in _formats_for(len(rows)):
            expected = layout_for(doc_format).width
            length_error = sum(abs(lengths[i] - expected) for i in indices)
            if length_error > 4 * len(indices):
                continue
            quality = float(np.mean([qualities[i] for i in indices]))
            plans.append((length_error, -quality, doc_format, indices))
        plans.sort(key=lambda plan: plan[:2])
        for _, _, doc_format, indices in plans:
            first = read_fixed_length(row_probs[indices[0]], layout_for(doc_format).allowed[0])
            layout = layout_of(doc_format, first.text)
            readings = [first] + [
                read_fixed_length(row_probs[i], layout_for(layout).allowed[k])
                for k, i in enumerate(indices)
                if k > 0
            ]
            angle = candidate.angle_deg + (180.0 if reverse else 0.0)
            h = _hypothesis(doc_format, layout, readings, angle, box)
            if h is None:
                continue
            hypotheses.append(h)
            if not h.failing and _acceptable(h):
                return hypotheses
    return hypotheses


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
        corrected_characters=h.corrections,
        box=h.box,
    )


def _passporteye_trustworthy(doc_format: str, lines: list[str]) -> bool:
    """Every check digit holds and no run of K: Tesseract's usual reading of the '<' filler
    (in the name line, which no check digit covers)."""
    return not failing_groups(layout_of(doc_format, lines[0]), lines) and not any(
        "KKK" in line for line in lines
    )


def read_mrz(rgb: np.ndarray, *, second_opinion: bool = True) -> MrzRead:
    """The MRZ lines of an RGB image (EXIF orientation already applied by the decoder), or
    lines=None when no MRZ can be read with confidence."""
    started = time.perf_counter()
    grey = brightest_channel(np.ascontiguousarray(rgb))
    best: _Hypothesis | None = None
    candidates = locate_mrz(rgb, max_candidates=_MAX_CANDIDATES)
    for end_margin in _END_MARGINS:
        for candidate in candidates:
            for h in _read_candidate(grey, candidate, end_margin):
                # Only trustworthy readings compete: a garbage reading "validated" by
                # corrections must not push out a confident one with a misprinted check digit.
                if _acceptable(h) and (best is None or h.rank() < best.rank()):
                    best = h
            if best is not None and not best.failing:
                return _from_hypothesis(best, started)
    if second_opinion:
        other = passporteye_read(rgb)
        if other is not None and _passporteye_trustworthy(*other):
            doc_format, lines = other
            return MrzRead(
                lines=lines,
                doc_format=doc_format,
                rotation_degrees=0,
                method="passporteye",
                elapsed_ms=(time.perf_counter() - started) * 1000,
            )
    if best is not None:
        return _from_hypothesis(best, started)
    return MrzRead(
        lines=None,
        doc_format=None,
        rotation_degrees=0,
        method="project",
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


def passporteye_lines(rgb: np.ndarray) -> list[str] | None:
    """PassportEye's own `read_mrz` (its locator, Tesseract and its clean-up) on the image: the
    lines it returns, whatever their shape, or None when it finds no MRZ."""
    from passporteye import read_mrz as pe_read_mrz
    from passporteye.mrz.text import MRZOCRCleaner

    ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-image deprecations inside PassportEye
            mrz = pe_read_mrz(io.BytesIO(png.tobytes()))
    except Exception:  # PassportEye raises assorted errors on odd images; it is only a fallback
        return None
    if mrz is None:
        return None
    lines = [ln for ln in MRZOCRCleaner.apply(mrz.aux.get("raw_text", "")) if ln]
    return lines or None


def passporteye_read(rgb: np.ndarray) -> tuple[str, list[str]] | None:
    """PassportEye's reading as (format, lines) when it has the shape of a TD1/TD2/TD3 MRZ."""
    lines = passporteye_lines(rgb)
    if lines is None:
        return None
    for doc_format in (MrzFormat.TD1, MrzFormat.TD2, MrzFormat.TD3):
        shape = layout_for(doc_format)
        if len(lines) == shape.n_lines and all(len(ln) == shape.width for ln in lines):
            return str(doc_format), lines
    return None
