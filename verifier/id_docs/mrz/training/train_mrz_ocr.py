"""Trains the MRZ line recogniser on synthetic OCR-B lines and exports it to ONNX.

    pip install -e '.[train]'      # torch==2.13.0 (CPU) and onnx, only for training
    PYTHONPATH=. python -m verifier.id_docs.mrz.training.train_mrz_ocr --out models/mrz_ocr_crnn.onnx

Reproducible: every random draw comes from generators seeded by --seed (samples are generated
in one worker process in a fixed order; torch runs deterministic CPU kernels). On 2 CPU cores
the default settings take about 20 minutes. At the end it prints the character and line
accuracy (greedy CTC decoding, no MRZ structure) on a held-out synthetic set drawn from a
different seed.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, IterableDataset

from verifier.id_docs.mrz.edit_distance import edit_distance
from verifier.id_docs.mrz.ocr import ALPHABET, LINE_HEIGHT, greedy_text
from verifier.id_docs.mrz.training.line_samples import (
    HELD_OUT_SEED,
    LineSample,
    held_out_set,
    make_line_sample,
)


class MrzLineNet(nn.Module):
    """Fully convolutional CTC recogniser: 32 px high input, one output frame per 4 px of width."""

    def __init__(self, classes: int = len(ALPHABET) + 1, width: int = 1) -> None:
        super().__init__()
        c = [n * width for n in (16, 32, 48, 64, 96, 128)]

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

        self.features = nn.Sequential(
            *block(1, c[0]),
            nn.MaxPool2d(2, 2),  # 16 x W/2
            *block(c[0], c[1]),
            nn.MaxPool2d(2, 2),  # 8 x W/4
            *block(c[1], c[2]),
            *block(c[2], c[2]),
            nn.MaxPool2d((2, 1), (2, 1)),  # 4 x W/4
            *block(c[2], c[3]),
            nn.MaxPool2d((2, 1), (2, 1)),  # 2 x W/4
            nn.Conv2d(c[3], c[4], (2, 1), bias=False),
            nn.BatchNorm2d(c[4]),
            nn.ReLU(),  # 1 x W/4
        )
        self.sequence = nn.Sequential(
            nn.Conv1d(c[4], c[5], 5, padding=2),
            nn.ReLU(),
            nn.Conv1d(c[5], classes, 1),
        )

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = self.features(image).squeeze(2)  # N x C x T
        return self.sequence(x).permute(0, 2, 1)  # N x T x classes (logits)


class SyntheticLines(IterableDataset):
    def __init__(self, seed: int, count: int, photographed: bool = False) -> None:
        self.seed = seed
        self.count = count
        self.photographed = photographed

    def __iter__(self) -> Iterator[LineSample]:
        rng = np.random.default_rng(self.seed)
        for _ in range(self.count):
            yield make_line_sample(rng, self.photographed)


def collate(
    samples: list[LineSample],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    width = max(s.image.shape[1] for s in samples)
    width = (width + 3) // 4 * 4
    batch = np.zeros((len(samples), 1, LINE_HEIGHT, width), np.float32)
    for i, s in enumerate(samples):
        batch[i, 0, :, : s.image.shape[1]] = s.image
        batch[i, 0, :, s.image.shape[1] :] = float(np.median(s.image[:, -3:]))
    targets = torch.tensor(
        [ALPHABET.index(c) + 1 for s in samples for c in s.text], dtype=torch.long
    )
    target_lengths = torch.tensor([len(s.text) for s in samples], dtype=torch.long)
    input_lengths = torch.tensor([s.image.shape[1] // 4 for s in samples], dtype=torch.long)
    return torch.from_numpy(batch), targets, input_lengths, target_lengths


def evaluate(
    model: MrzLineNet, samples: list[LineSample], frozen_norms: bool = False
) -> tuple[float, float]:
    """Character accuracy (1 - edit distance / length) and exact-line rate, greedy decoding."""
    model.eval()
    errors = total = exact = 0
    with torch.no_grad():
        for start in range(0, len(samples), 64):
            chunk = samples[start : start + 64]
            batch, _, input_lengths, _ = collate(chunk)
            probs = torch.softmax(model(batch), dim=2).numpy()
            for i, s in enumerate(chunk):
                text = greedy_text(probs[i, : int(input_lengths[i])])
                errors += edit_distance(text, s.text)
                total += len(s.text)
                exact += text == s.text
    set_training(model, frozen_norms)
    return 1 - errors / total, exact / len(samples)


def load_onnx_weights(model: MrzLineNet, path: Path) -> None:
    """Starts from an exported model: ONNX export folds each batch norm into its convolution,
    so the convolutions take the folded weights and biases and the batch norms become the
    identity (mean 0, variance 1 - eps, scale 1, shift = the folded bias). Fine-tuning then
    keeps the batch norms in evaluation mode (`set_training`)."""
    import onnx
    from onnx import numpy_helper

    weights = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}
    folded = [
        weights[k]
        for k in sorted(
            (k for k in weights if k.startswith("onnx::Conv_")), key=lambda k: int(k.split("_")[-1])
        )
    ]
    convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
    norms = [m for m in model.features if isinstance(m, nn.BatchNorm2d)]
    if len(folded) != 2 * len(convs):
        raise ValueError(f"{path}: {len(folded)} folded tensors for {len(convs)} convolutions")
    with torch.no_grad():
        for k, (conv, norm) in enumerate(zip(convs, norms, strict=True)):
            conv.weight.copy_(torch.from_numpy(folded[2 * k]))
            norm.weight.fill_(1.0)
            norm.bias.copy_(torch.from_numpy(folded[2 * k + 1]))
            assert norm.running_mean is not None and norm.running_var is not None
            norm.running_mean.zero_()
            norm.running_var.fill_(1.0 - norm.eps)
        for name in (
            "sequence.0.weight",
            "sequence.0.bias",
            "sequence.2.weight",
            "sequence.2.bias",
        ):
            dict(model.named_parameters())[name].copy_(torch.from_numpy(weights[name]))


def set_training(model: MrzLineNet, frozen_norms: bool) -> None:
    model.train()
    if frozen_norms:
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()


def export_onnx(model: MrzLineNet, out: Path) -> None:
    model.eval()
    dummy = torch.zeros(1, 1, LINE_HEIGHT, 400)
    torch.onnx.export(
        model,
        (dummy,),
        str(out),
        input_names=["image"],
        output_names=["logits"],
        dynamic_axes={"image": {0: "batch", 3: "width"}, "logits": {0: "batch", 1: "frames"}},
        opset_version=17,
        dynamo=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("models/mrz_ocr_crnn.onnx"))
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--samples", type=int, default=96_000)
    parser.add_argument("--batch", type=int, default=48)
    parser.add_argument("--held-out", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--init", type=Path, help="start from these weights (a .pt written by a run)"
    )
    parser.add_argument(
        "--init-onnx",
        type=Path,
        help="fine-tune from an exported model (batch norms frozen), e.g. the committed one",
    )
    parser.add_argument(
        "--photographed",
        action="store_true",
        help="samples as photographs and scans of documents bring them (line_samples.py)",
    )
    parser.add_argument("--max-lr", type=float, default=3e-3)
    parser.add_argument("--width", type=int, default=1, help="channel multiplier of the network")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    model = MrzLineNet(width=args.width)
    if args.init:
        model.load_state_dict(torch.load(args.init, map_location="cpu"))
    frozen_norms = args.init_onnx is not None
    if args.init_onnx:
        load_onnx_weights(model, args.init_onnx)
    set_training(model, frozen_norms)
    steps = args.samples // args.batch
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=args.max_lr, total_steps=steps, pct_start=0.1
    )
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    loader = DataLoader(
        SyntheticLines(args.seed, steps * args.batch, args.photographed),
        batch_size=args.batch,
        collate_fn=collate,
        num_workers=1,
        prefetch_factor=8,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    held_out = held_out_set(HELD_OUT_SEED, args.held_out, args.photographed)
    started = time.monotonic()
    for step, (batch, targets, input_lengths, target_lengths) in enumerate(loader, 1):
        log_probs = torch.log_softmax(model(batch), dim=2).permute(1, 0, 2)  # T x N x C
        loss = ctc(log_probs, targets, input_lengths, target_lengths)
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimiser.step()
        schedule.step()
        if step % 200 == 0 or step == steps:
            print(
                f"step {step}/{steps} loss {loss.item():.4f} {time.monotonic() - started:.0f}s",
                flush=True,
            )
        if step % 250 == 0:
            char_acc, line_acc = evaluate(model, held_out[:500], frozen_norms)
            print(f"  held-out[:500] char {char_acc:.4f} line {line_acc:.4f}", flush=True)
    char_acc, line_acc = evaluate(model, held_out, frozen_norms)
    print(
        f"held-out synthetic set ({len(held_out)} lines, seed {HELD_OUT_SEED}): "
        f"character accuracy {char_acc:.4f}, exact lines {line_acc:.4f}"
    )
    torch.save(model.state_dict(), args.out.with_suffix(".pt"))
    export_onnx(model, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
