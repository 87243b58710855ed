"""Held-out-by-source validation of a calibrated setting: choose it on all corpus sources but
one, score it on the one left out, for each source in turn.

A setting that only suits one source's people, backdrops or camera shows up as a drop on that
source. Settings the other sources cannot tell apart all count as "the choice": the range of
what they reach on the left-out source is reported, not one picked by grid order.
"""

from __future__ import annotations

from typing import Any


def balanced_accuracy(pairs: list[tuple[bool, bool]]) -> float | None:
    """pairs: (predicted not accepted, labelled fail); None when a class is missing."""
    positives = [p for p, label in pairs if label]
    negatives = [p for p, label in pairs if not label]
    if not positives or not negatives:
        return None
    return (sum(positives) / len(positives) + sum(not p for p in negatives) / len(negatives)) / 2


def score(predicted: list[bool], labels: list[tuple[str, bool]], idx: list[int]) -> float:
    """Balanced accuracy over `idx`, or the share judged right where only one label occurs."""
    value = balanced_accuracy([(predicted[i], labels[i][1]) for i in idx])
    if value is None:
        right = sum(predicted[i] == labels[i][1] for i in idx)
        return right / len(idx) if idx else 0.0
    return value


def held_out_by_source(
    labels: list[tuple[str, bool]], predicted: dict[str, list[bool]], policy_key: str
) -> dict[str, Any]:
    """labels: (source, labelled fail) per image; predicted: per setting, not accepted per image."""
    result: dict[str, Any] = {}
    for source in sorted({s for s, _ in labels}):
        fit_idx = [i for i, (s, _) in enumerate(labels) if s != source]
        test_idx = [i for i, (s, _) in enumerate(labels) if s == source]
        fit = {k: score(v, labels, fit_idx) for k, v in predicted.items()}
        best = max(fit.values())
        chosen = [k for k, v in fit.items() if v == best]
        left_out = [score(predicted[k], labels, test_idx) for k in chosen]
        result[source] = {
            "images": len(test_idx),
            "fails": sum(labels[i][1] for i in test_idx),
            "chosen_on_others": chosen,
            "score_on_left_out_min": min(left_out),
            "score_on_left_out_max": max(left_out),
            "policy_setting_on_left_out": score(predicted[policy_key], labels, test_idx),
        }
    return result


def print_held_out(result: dict[str, Any]) -> None:
    print("held out by source (chosen on the other sources; accuracy on the one left out:")
    print("balanced accuracy, or the share judged right where a source has one label only)")
    for source, f in result.items():
        chosen = f["chosen_on_others"]
        print(
            f"  {source:<18}{f['images']:>4} imgs {f['fails']:>3} fail  "
            f"{len(chosen)} setting(s) best on the others (e.g. {chosen[0]}); "
            f"left-out {f['score_on_left_out_min']:.3f}-{f['score_on_left_out_max']:.3f}; "
            f"policy setting {f['policy_setting_on_left_out']:.3f}"
        )
