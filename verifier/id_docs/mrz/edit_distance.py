"""Levenshtein distance between two readings: how the recogniser's character accuracy is scored
(by the training script's held-out set and by bench/eval_mrz.py)."""

from __future__ import annotations


def edit_distance(a: str, b: str) -> int:
    """Insertions, deletions and substitutions that turn a into b."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return row[-1]
