"""The project's MRZ line recogniser: a small convolutional CTC model run by onnxruntime.

Input: one grey line crop (the glyph row plus some margin), normalised to LINE_HEIGHT px high
and squeezed horizontally by X_SCALE. Output: per-frame class probabilities over the blank and
the 37 MRZ characters, which `mrz_decode` turns into a fixed-length, field-typed reading.
The model is trained by verifier/id_docs/mrz/training/train_mrz_ocr.py on synthetic OCR-B lines.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

MODEL_NAME = "mrz_ocr_crnn.onnx"
LINE_HEIGHT = 32
# Horizontal squeeze: at this scale a character pitch spans about 3.5 output frames, enough for
# CTC to separate runs of identical characters such as the '<' filler.
X_SCALE = 0.7
# Class 0 is the CTC blank; class i (i >= 1) is ALPHABET[i - 1].
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"


def normalise_line(grey: np.ndarray, width: int | None = None) -> np.ndarray:
    """A grey uint8 line crop to the model's float input: fixed height, contrast stretched;
    `width` forces the output width (to align the frames of several crops of one line)."""
    h, w = grey.shape[:2]
    width = width or max(8, round(w * LINE_HEIGHT / h * X_SCALE))
    resized = cv2.resize(
        grey,
        (width, LINE_HEIGHT),
        interpolation=cv2.INTER_AREA if h > LINE_HEIGHT else cv2.INTER_CUBIC,
    ).astype(np.float32)
    low, high = np.percentile(resized, (2, 98))
    return np.clip((resized - low) / max(high - low, 8.0), 0.0, 1.0).astype(np.float32) - 0.5


class LineRecogniser:
    """Runs the ONNX model; one session per process, created on first use."""

    def __init__(self) -> None:
        self._session: Any = None
        self._lock = threading.Lock()

    def _get_session(self) -> Any:
        with self._lock:
            if self._session is None:
                import onnxruntime as ort

                from verifier.model_files import model_path

                options = ort.SessionOptions()
                options.intra_op_num_threads = 1
                options.inter_op_num_threads = 1
                self._session = ort.InferenceSession(
                    str(model_path(MODEL_NAME)), options, providers=["CPUExecutionProvider"]
                )
            return self._session

    def frame_probabilities(self, lines: list[np.ndarray]) -> list[np.ndarray]:
        """Per-frame softmax probabilities (T x 38) for each normalised line image."""
        if not lines:
            return []
        session = self._get_session()
        width = max(line.shape[1] for line in lines)
        batch = np.full((len(lines), 1, LINE_HEIGHT, width), 0.5, np.float32)
        for i, line in enumerate(lines):
            batch[i, 0, :, : line.shape[1]] = line
            # Pad with the line's own background level rather than pure white.
            batch[i, 0, :, line.shape[1] :] = float(np.median(line[:, -3:]))
        (logits,) = session.run(None, {"image": batch})  # N x T x C
        out = []
        for i, line in enumerate(lines):
            frames = _frames_for_width(line.shape[1])
            z = logits[i, :frames].astype(np.float64)
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            out.append(p / p.sum(axis=1, keepdims=True))
        return out


def _frames_for_width(width: int) -> int:
    # Two 2x poolings along the width (see the model in training/train_mrz_ocr.py).
    return max(1, width // 4)


def greedy_text(probs: np.ndarray) -> str:
    best = probs.argmax(axis=1)
    chars = []
    previous = 0
    for k in best:
        if k != previous and k != 0:
            chars.append(ALPHABET[k - 1])
        previous = int(k)
    return "".join(chars)


_recogniser = LineRecogniser()


def recogniser() -> LineRecogniser:
    return _recogniser


@dataclass(frozen=True)
class LineReading:
    """A fixed-length reading of one line with its alternatives and confidence."""

    text: str
    free_text: str  # the unconstrained (greedy) reading, for the length check
    confidences: tuple[float, ...]  # probability of each chosen character at its peak frame
    # Per position: (char, cost) alternatives within the allowed set, cost = extra -log p.
    alternatives: tuple[tuple[tuple[str, float], ...], ...]
    log_score: float  # sum of the chosen characters' peak log-probabilities

    @property
    def mean_confidence(self) -> float:
        return float(np.mean(self.confidences)) if self.confidences else 0.0


_CLASS_INDEX = {c: i + 1 for i, c in enumerate(ALPHABET)}
_BLANK_RUN_LEVEL = 0.995
TYPE_PENALTY = 5.0


def _allowed_mask(allowed: list[str]) -> np.ndarray:
    mask = np.zeros((len(allowed), len(ALPHABET) + 1), bool)
    for n, chars in enumerate(allowed):
        for c in chars:
            mask[n, _CLASS_INDEX[c]] = True
    return mask


def _greedy_segments(probs: np.ndarray) -> list[np.ndarray]:
    """Frame indices of each character the greedy CTC decoding emits."""
    best = probs.argmax(axis=1)
    segments: list[list[int]] = []
    previous = 0
    for t, k in enumerate(best):
        if k != 0 and k == previous:
            segments[-1].append(t)
        elif k != 0:
            segments.append([t])
        previous = int(k)
    return [np.array(s) for s in segments]


def _viterbi_segments(log_probs: np.ndarray, penalty: np.ndarray) -> list[np.ndarray] | None:
    """Frames of each of exactly N characters on the best CTC path whose n-th character is one
    penalised by penalty[n] (N = len(penalty)); None when no such path exists."""
    frames, classes = log_probs.shape
    n_pos = penalty.shape[0]
    if frames < n_pos:
        return None
    neg = -1e9
    blank = np.full(n_pos + 1, neg)
    blank[0] = 0.0
    char = np.full((n_pos, classes), neg)
    allowed_penalty = penalty
    back_char = np.zeros((frames, n_pos, classes), np.int8)  # 0 stay, 1 from blank, 2 from char
    back_char_class = np.zeros((frames, n_pos, classes), np.int8)  # previous class when 2
    back_blank = np.zeros((frames, n_pos + 1), np.int8)  # 0 stay, 1 from char
    back_blank_class = np.zeros((frames, n_pos + 1), np.int8)
    idx = np.arange(classes)
    rows = np.arange(n_pos)
    for t in range(frames):
        lp = log_probs[t]
        # Best previous-position char score excluding the same class (CTC needs a blank between
        # two equal characters).
        prev_char = np.vstack([np.full((1, classes), neg), char[:-1]])
        top = prev_char.argmax(axis=1)
        top_val = prev_char[rows, top]
        masked = prev_char.copy()
        masked[rows, top] = neg
        second = masked.argmax(axis=1)
        second_val = masked[rows, second]
        is_top = idx[None, :] == top[:, None]
        other_char = np.where(is_top, second_val[:, None], top_val[:, None])
        back_char_class[t] = np.where(is_top, second[:, None], top[:, None])
        options = np.stack([char, np.broadcast_to(blank[:n_pos, None], char.shape), other_char])
        choice = options.argmax(axis=0)
        new_char = options.max(axis=0) + lp[None, :] + allowed_penalty
        new_char[:, 0] = neg
        finished = np.concatenate([[neg], char.max(axis=1)])
        back_blank_class[t, 1:] = char.argmax(axis=1)
        blank_options = np.stack([blank, finished])
        new_blank = blank_options.max(axis=0) + lp[0]
        back_char[t] = choice
        back_blank[t] = blank_options.argmax(axis=0)
        char, blank = new_char, new_blank
    end_char = char[n_pos - 1].max()
    if max(end_char, blank[n_pos]) < neg / 2:
        return None
    segments: list[list[int]] = [[] for _ in range(n_pos)]
    if end_char > blank[n_pos]:
        state, n, c = "char", n_pos - 1, int(char[n_pos - 1].argmax())
    else:
        state, n, c = "blank", n_pos, 0
    for t in range(frames - 1, -1, -1):
        if state == "char":
            segments[n].append(t)
            kind = back_char[t, n, c]
            if kind == 1:
                state = "blank"
            elif kind == 2:
                c = int(back_char_class[t, n, c])
                n -= 1
        else:
            kind = back_blank[t, n]
            if kind == 1:
                c = int(back_blank_class[t, n])
                state, n = "char", n - 1
        if n < 0:
            break
    if any(not s for s in segments):
        return None
    return [np.array(sorted(s)) for s in segments]


def read_fixed_length(probs: np.ndarray, allowed: list[str]) -> LineReading:
    """The most probable reading with exactly len(allowed) characters, character n from
    allowed[n], with per-position alternatives for the check-digit search."""
    mask = _allowed_mask(allowed)
    # Field types are soft: a character of the wrong kind costs TYPE_PENALTY nats, so they settle
    # O/0-like doubts but never overrule a confident reading (some states print a digit where
    # ICAO wants a letter, e.g. a document code "C1").
    penalty = np.where(mask, 0.0, -TYPE_PENALTY)
    penalty[:, 0] = -1e9
    log_probs = np.log(np.clip(probs, 1e-12, 1.0))
    free_text = greedy_text(probs)
    segments = _greedy_segments(probs)
    if len(segments) != len(allowed):
        # Compress long blank runs (one frame each is enough to separate characters) so the
        # exact search stays cheap.
        keep = np.ones(len(probs), bool)
        blank_run = probs[:, 0] > _BLANK_RUN_LEVEL
        keep[1:] &= ~(blank_run[1:] & blank_run[:-1])
        kept = np.flatnonzero(keep)
        found = _viterbi_segments(log_probs[kept], penalty)
        segments = [kept[s] for s in found] if found is not None else []
    if len(segments) != len(allowed):
        return LineReading("", free_text, (), (), float("-inf"))
    chars: list[str] = []
    confidences: list[float] = []
    alternatives: list[tuple[tuple[str, float], ...]] = []
    total = 0.0
    for n, frames in enumerate(segments):
        raw_peak = log_probs[frames].max(axis=0)
        peak = raw_peak + penalty[n]
        order = [int(k) for k in np.argsort(-peak) if k != 0]
        best = order[0]
        chars.append(ALPHABET[best - 1])
        confidences.append(float(np.exp(raw_peak[best])))
        total += float(peak[best])
        alts = []
        for k in order[1:4]:
            alts.append((ALPHABET[k - 1], float(peak[best] - peak[k])))
        alternatives.append(tuple(alts))
    return LineReading("".join(chars), free_text, tuple(confidences), tuple(alternatives), total)
