"""Area under the ROC curve, for the cue scripts (headgear_cues.py, expression_cues.py)."""

from __future__ import annotations


def auc(positives: list[float], negatives: list[float]) -> float:
    """Probability that a random positive scores higher than a random negative (ties count half)."""
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))
