"""The MRZ line recogniser alone on held-out synthetic lines: character accuracy and exact lines.

    .venv/bin/python -m bench.eval_mrz_recogniser [--model models/mrz_ocr_crnn.onnx] \\
        [--count 1000] [--photographed]

The held-out lines (seed 990001, never drawn in training) come from
`verifier/id_docs/mrz/training/line_samples.py`, with `--photographed` as photographs and scans
of documents bring them. Each line is read at its own width by onnxruntime and decoded greedily,
without any MRZ structure, so the figure is the recogniser's alone. Needs no torch.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnxruntime as ort

from verifier.id_docs.mrz.edit_distance import edit_distance
from verifier.id_docs.mrz.ocr import greedy_text
from verifier.id_docs.mrz.training.line_samples import HELD_OUT_SEED, held_out_set


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=Path("models/mrz_ocr_crnn.onnx"))
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--photographed", action="store_true")
    args = parser.parse_args()

    samples = held_out_set(HELD_OUT_SEED, args.count, args.photographed)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(args.model), options, providers=["CPUExecutionProvider"])
    errors = total = exact = 0
    for sample in samples:
        width = (sample.image.shape[1] + 3) // 4 * 4
        image = np.full(
            (1, 1, sample.image.shape[0], width), float(np.median(sample.image[:, -3:])), np.float32
        )
        image[0, 0, :, : sample.image.shape[1]] = sample.image
        logits = session.run(None, {"image": image})[0][0][: sample.image.shape[1] // 4]
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        text = greedy_text(shifted / shifted.sum(axis=1, keepdims=True))
        errors += edit_distance(text, sample.text)
        total += len(sample.text)
        exact += text == sample.text
    kind = "photographed-document" if args.photographed else "first-step"
    print(
        f"{args.model}: {args.count} held-out {kind} lines (seed {HELD_OUT_SEED}): "
        f"characters {1 - errors / total:.4f}, exact lines {exact / args.count:.4f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
