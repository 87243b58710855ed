"""Evaluates MRZ reading on a labelled corpus: the project's reader and PassportEye, same images.

    .venv/bin/python -m bench.eval_mrz --corpus $CORPUS/mrz [--json OUT]

DIR/manifest.csv has `file`, `doc_format` (TD1/TD2/TD3/none) and `gt_mrz` (lines joined by '|').
Per reader it prints: MRZ found on the images that have one, of those the share read with
failing check digits (reported, not dropped: the verdict goes to review), exact MRZ (all lines
equal), exact lines, character accuracy (1 - edit distance / length, over all ground-truth lines; a missed
MRZ counts as all characters wrong), MRZs reported on images with none (false positives), and
the median and p95 wall time per image (decoding excluded, the same for both), and the median
CPU time (this process and Tesseract's subprocesses: wall time on a shared machine includes
waiting for other work). Every image is
decoded once by the project's decoder (EXIF orientation applied) and given to both readers.

`--turn DEGREES` turns every image clockwise first (90/180/270 exactly, other angles about the
centre) and measures only the own reader without the PassportEye second opinion, plus whether
it reports the rotation that undoes the turn and the skew it measured:

    .venv/bin/python -m bench.eval_mrz --corpus $CORPUS/mrz --turn 90

`--perspective DEGREES` (25 when given bare) shows every image as a camera sees a document
tilted that far out of plane, about its vertical axis on even rows of the manifest and its
horizontal axis on odd ones (the far side alternating), and measures only the own reader.
PassportEye is only this baseline: it is not on the verdict path.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from bench.passporteye_baseline import baseline_missing, passporteye_lines
from verifier.decode import decode_image
from verifier.id_docs.mrz.edit_distance import edit_distance
from verifier.id_docs.mrz.parse import parse_mrz
from verifier.id_docs.mrz.reader import read_mrz
from verifier.id_docs.mrz.synthetic import in_perspective
from verifier.policy import DecodeLimits, load_policy

# A reader returns the lines (None when it reports no MRZ) and the check groups that fail on them.
Reading = tuple[list[str] | None, tuple[str, ...]]
Reader = Callable[[np.ndarray], Reading]


@dataclass
class Tally:
    with_mrz: int = 0
    found: int = 0
    found_failing: int = 0  # read, with failing check digits
    exact: int = 0
    lines_total: int = 0
    lines_exact: int = 0
    chars_total: int = 0
    char_errors: int = 0
    without_mrz: int = 0
    false_positives: int = 0
    times_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, name: str, truth: list[str] | None, reading: Reading, ms: float) -> None:
        read, failing = reading
        self.times_ms.append(ms)
        if truth is None:
            self.without_mrz += 1
            if read is not None:
                self.false_positives += 1
                self.failures.append(f"{name}: false positive {read}")
            return
        self.with_mrz += 1
        self.lines_total += len(truth)
        self.chars_total += sum(len(line) for line in truth)
        if read is None:
            self.char_errors += sum(len(line) for line in truth)
            self.failures.append(f"{name}: not found")
            return
        self.found += 1
        self.found_failing += bool(failing)
        self.exact += read == truth
        for i, line in enumerate(truth):
            got = read[i] if i < len(read) else ""
            self.lines_exact += got == line
            self.char_errors += min(len(line), edit_distance(got, line))
        if read != truth:
            failing_note = f" (failing: {','.join(failing)})" if failing else ""
            self.failures.append(f"{name}: read {read} expected {truth}{failing_note}")

    def summary(self) -> dict[str, float]:
        times = sorted(self.times_ms)
        return {
            "found_rate": self.found / max(1, self.with_mrz),
            "failing_rate": self.found_failing / max(1, self.with_mrz),
            "not_found_rate": (self.with_mrz - self.found) / max(1, self.with_mrz),
            "exact_rate": self.exact / max(1, self.with_mrz),
            "line_rate": self.lines_exact / max(1, self.lines_total),
            "char_accuracy": 1 - self.char_errors / max(1, self.chars_total),
            "false_positives": self.false_positives,
            "median_ms": statistics.median(times) if times else 0.0,
            "p95_ms": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))] if times else 0.0,
        }


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (PassportEye's Tesseract runs as one)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def project_reader(rgb: np.ndarray) -> Reading:
    result = read_mrz(rgb)
    return result.lines, result.failed_checks


def turned(rgb: np.ndarray, degrees: float) -> np.ndarray:
    """The image turned clockwise: exactly for multiples of 90, else about its centre on a
    canvas big enough to keep every corner (white outside the original)."""
    if degrees % 90 == 0:
        return np.ascontiguousarray(np.rot90(rgb, k=-round(degrees / 90) % 4))
    h, w = rgb.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), -degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    out_w, out_h = round(h * sin + w * cos), round(h * cos + w * sin)
    matrix[0, 2] += out_w / 2 - w / 2
    matrix[1, 2] += out_h / 2 - h / 2
    return cv2.warpAffine(rgb, matrix, (out_w, out_h), borderValue=(255, 255, 255))


@dataclass
class RotationTally:
    """For --turn: how often the own reader (no second opinion) reads the turned image exactly,
    and reports the rotation that undoes the turn (the rotation it reports on the image as it
    is, which is not 0 for a document photographed sideways, minus the turn)."""

    turn: float
    exact: int = 0
    rotation_checked: int = 0
    rotation_right: int = 0
    skews: list[float] = field(default_factory=list)

    def reader(self, truth: list[str] | None, original: np.ndarray) -> Reader:
        def read(rgb: np.ndarray) -> Reading:
            result = read_mrz(rgb)
            if truth is not None and result.lines == truth:
                self.exact += 1
                self.skews.append(result.skew_degrees)
                upright = read_mrz(original)
                if upright.lines == truth:
                    self.rotation_checked += 1
                    expected = (upright.rotation_degrees - round(self.turn / 90) * 90) % 360
                    self.rotation_right += result.rotation_degrees == expected
            return result.lines, result.failed_checks

        return read


def passporteye_reader(rgb: np.ndarray) -> Reading:
    lines = passporteye_lines(rgb)
    if lines is None:
        return None, ()
    return lines, tuple(parse_mrz(lines).failed_check_digits)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    parser.add_argument(
        "--turn",
        type=float,
        default=None,
        metavar="DEGREES",
        help="turn every image clockwise first and measure only the own reader "
        "(90/180/270 exactly; other angles test skew)",
    )
    parser.add_argument(
        "--perspective",
        type=float,
        nargs="?",
        const=25.0,
        default=None,
        metavar="DEGREES",
        help="tilt every document this far out of plane (25 when bare) and measure only the "
        "own reader",
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="measure only the own reader (no PassportEye)"
    )
    args = parser.parse_args()

    policy_limits = load_policy().decode
    # The reader wants the document's own pixels: decode at full size (within the upload limits).
    limits = DecodeLimits(policy_limits.max_bytes, policy_limits.max_pixels, 1 << 16)
    readers: dict[str, Reader] = {"project": project_reader, "passporteye": passporteye_reader}
    rotation: RotationTally | None = None
    if args.turn is not None:
        # The reader reports the clockwise rotation that makes the MRZ upright: it undoes the turn.
        rotation = RotationTally(turn=args.turn)
        readers = {"project": project_reader}
    if args.perspective is not None or args.no_baseline:
        readers = {"project": project_reader}
    if "passporteye" in readers and (missing := baseline_missing()) is not None:
        print(f"eval_mrz: {missing}", file=sys.stderr)
        return 2
    tallies = {name: Tally() for name in readers}
    with (args.corpus / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    read_mrz(np.full((64, 64, 3), 255, np.uint8))  # load the model outside the timings
    for number, row in enumerate(rows):
        image = decode_image((args.corpus / row["file"]).read_bytes(), limits).rgb
        if args.perspective is not None:
            sign = 1 if number % 4 < 2 else -1
            image = in_perspective(image, sign * args.perspective, about_vertical=number % 2 == 0)
        truth = row["gt_mrz"].split("|") if row["doc_format"] != "none" and row["gt_mrz"] else None
        if rotation is not None and args.turn is not None:
            readers = {"project": rotation.reader(truth, image)}
            image = turned(image, args.turn)
        for name, reader in readers.items():
            started, cpu_started = time.perf_counter(), _cpu_seconds()
            lines = reader(image)
            tallies[name].add(row["file"], truth, lines, (time.perf_counter() - started) * 1000)
            tallies[name].cpu_ms.append((_cpu_seconds() - cpu_started) * 1000)
    results = {name: tally.summary() for name, tally in tallies.items()}
    print(
        f"{len(rows)} images, {tallies['project'].with_mrz} with an MRZ, {tallies['project'].without_mrz} without"
    )
    header = (
        f"{'reader':12s} {'found':>6s} {'failing':>7s} {'not fd':>6s} {'exact':>6s} {'lines':>6s} "
        f"{'chars':>7s} {'false+':>6s} "
        f"{'med ms':>7s} {'p95 ms':>7s} {'cpu med':>7s}"
    )
    print(header)
    for name, r in results.items():
        print(
            f"{name:12s} {r['found_rate']:6.1%} {r['failing_rate']:7.1%} {r['not_found_rate']:6.1%} "
            f"{r['exact_rate']:6.1%} {r['line_rate']:6.1%} "
            f"{r['char_accuracy']:7.2%} {r['false_positives']:6d} {r['median_ms']:7.0f} {r['p95_ms']:7.0f} "
            f"{statistics.median(tallies[name].cpu_ms):7.0f}"
        )
    if rotation is not None:
        skew = (
            f", median |skew| reported {statistics.median(abs(x) for x in rotation.skews):.1f} deg"
            if rotation.skews
            else ""
        )
        print(
            f"turned {args.turn:g} deg clockwise: {rotation.exact} read exactly; rotation reported "
            f"right on {rotation.rotation_right} of the {rotation.rotation_checked} also read exactly "
            f"as they are{skew}"
        )
    if args.verbose:
        for name, tally in tallies.items():
            for failure in tally.failures:
                print(f"[{name}] {failure}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
