"""How well candidate expression cues separate the corpus's expression labels, per source.

    .venv/bin/python -m bench.expression_cues --corpus $CORPUS/faces --cache out/expression_cues.json

The first run analyses every corpus image once (`bench/expression_cache.py`) and writes what the
checker saw to `--cache`; later runs read that file. For every image with an expression label
and a face it measures the cues below (in the face's upright frame, lengths in inter-eye
distances, IED) and prints per cue the area under the ROC curve (1.0 = a threshold separates
non-neutral from neutral faces perfectly, 0.5 = chance), on all labelled faces and on those
`mouth_closed` and `expression_neutral` pass today (the ones a new cue would have to catch),
overall and per source. Then, for the cues given with `--held-out`, it adds "not accepted when
the cue is beyond t" to today's verdict and validates t held out by source
(`bench/held_out.py`), and counts the compliant portraits (bench/fairness.py's definition) the
added cue would turn away. Last, it lists files that are byte-identical but labelled
differently.

Mouth and smile:
- smile, dimple, upper_lip_up, squint: MediaPipe blendshapes (means of left and right).
- mouth_width: corner to corner; corner_lift: corners above the inner-lip centre, in mouth
  widths; upper_lip: vermilion height of the upper lip in mouth widths (smiles thin it);
  corners_below_nose: vertical distance from nose tip to the mouth corners (smiles raise them).
Anger (lowered, drawn-together brows; pressed lips):
- brow_down, mouth_press, roll_lower, roll_upper, sneer, mouth_frown, shrug_lower: blendshapes.
- inner_brow_drop: how far the inner brow ends' lower edge sits below the usual, as minus its
  height above the inner eye corners (which stay put when the brows move).
- brow_gap: distance between the inner brow ends (knitted brows draw them together), negated
  so that high = expression.
- brow_slant: inner brow end below the outer end, relative to the eye line (the V of anger).
- inner_brow_to_lid: inner brow end to the upper lid above it, negated (a squint lowers the
  lid too).
- red_lip: total vermilion height (outer lip edges apart, less the inner-lip gap) in mouth
  widths, negated: pressed lips roll in and thin.
- anger_blend: the mean of brow_down, mouth_press and sneer.
- inner_brow_drop_frontal: inner_brow_drop on faces pitched at most 10 degrees, else -1: a
  head tipped forward lowers the brows towards the eye corners in the photo (pose_down faces
  score highest of all neutral faces), so the measure only means something on a frontal face.

Then "two of four": not accepted when the face is frontal and at least two of
inner_brow_drop, squint, brow_down and brow_slant exceed the neutral faces' percentile q.
And a learned combination, as an upper bound on what these readings hold: an L2-regularised
logistic regression on all 52 blendshapes and the geometric cues, fitted with one fold left
out (each CFD group letter is a fold of its own, each other source one fold: new people), its
threshold set where 2 % of the fitted folds' neutral faces that pass today would be turned
away, and scored on the fold left out.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.corpus_cli import corpus_parser
from bench.eval_photos import COLUMN_RULES
from bench.expression_cache import load_or_collect
from bench.held_out import balanced_accuracy, held_out_by_source, print_held_out
from bench.roc import auc
from verifier.photo import landmarks as lm

EXPRESSION_RULES = COLUMN_RULES["expression"]
Cues = dict[str, float]
FRONTAL_PITCH = 10.0  # degrees
BROW_CUES = ("inner_brow_drop", "squint", "brow_down", "brow_slant")


def cues(face: dict[str, Any]) -> Cues:
    """Every candidate cue of one cached face (bench/expression_cache.py)."""
    points = np.asarray(face["landmarks"], dtype=float)
    b: dict[str, float] = face["blendshapes"]

    def at(index: int) -> np.ndarray:
        return points[index]

    def both(name: str) -> float:
        return (b.get(f"{name}Left", 0.0) + b.get(f"{name}Right", 0.0)) / 2

    # x points to the image's right (the subject's left), y up; the right eye is on x < 0.
    right_c, left_c = at(lm.MOUTH_RIGHT_CORNER), at(lm.MOUTH_LEFT_CORNER)
    upper_out, upper_in = at(lm.UPPER_LIP_OUTER), at(lm.UPPER_LIP_INNER)
    lower_in, lower_out = at(lm.LOWER_LIP_INNER), at(lm.LOWER_LIP_OUTER)
    width = abs(left_c[0] - right_c[0]) or 1e-6
    corners_y = (left_c[1] + right_c[1]) / 2
    inner_brow = (at(lm.RIGHT_BROW_LOWER[-1]), at(lm.LEFT_BROW_LOWER[-1]))
    outer_brow = (at(lm.RIGHT_BROW_LOWER[0]), at(lm.LEFT_BROW_LOWER[0]))
    inner_corner = (at(lm.RIGHT_EYE_INNER), at(lm.LEFT_EYE_INNER))
    # The upper lid's point nearest the nose on each side.
    inner_lid = (at(lm.RIGHT_EYE_UPPER[-1]), at(lm.LEFT_EYE_UPPER[-1]))
    red = (upper_out[1] - lower_out[1]) - (upper_in[1] - lower_in[1])
    brow_down = both("browDown")
    press = both("mouthPress")
    sneer = both("noseSneer")
    out = {
        "smile": both("mouthSmile"),
        "mouth_width": width,
        "corner_lift": (corners_y - (upper_in[1] + lower_in[1]) / 2) / width,
        "upper_lip": (upper_out[1] - upper_in[1]) / width,
        "corners_below_nose": float(at(lm.NOSE_TIP)[1] - corners_y),
        "dimple": both("mouthDimple"),
        "upper_lip_up": both("mouthUpperUp"),
        "squint": both("eyeSquint"),
        "brow_down": brow_down,
        "mouth_press": press,
        "roll_lower": b.get("mouthRollLower", 0.0),
        "roll_upper": b.get("mouthRollUpper", 0.0),
        "sneer": sneer,
        "mouth_frown": both("mouthFrown"),
        "shrug_lower": b.get("mouthShrugLower", 0.0),
        "inner_brow_drop": -float(np.mean([inner_brow[i][1] - inner_corner[i][1] for i in (0, 1)])),
        "brow_gap": -float(inner_brow[1][0] - inner_brow[0][0]),
        "brow_slant": float(np.mean([outer_brow[i][1] - inner_brow[i][1] for i in (0, 1)])),
        "inner_brow_to_lid": -float(np.mean([inner_brow[i][1] - inner_lid[i][1] for i in (0, 1)])),
        "red_lip": -float(red / width),
        "anger_blend": (brow_down + press + sneer) / 3,
    }
    frontal = abs(float(face["pitch"])) <= FRONTAL_PITCH
    out["inner_brow_drop_frontal"] = out["inner_brow_drop"] if frontal else -1.0
    return out


def flagged_today(record: dict[str, Any]) -> bool:
    return any(record["rules"].get(r, "pass") != "pass" for r in EXPRESSION_RULES)


def compliant_left_out(labels: dict[str, str]) -> set[str] | None:
    """bench/fairness.py's compliant portraits: None if not compliant, else the rules left out."""
    if any(v == "fail" for v in labels.values()) or not any(v == "pass" for v in labels.values()):
        return None
    return {rule for c, v in labels.items() if v != "pass" for rule in COLUMN_RULES[c]}


def auc_line(table: list[tuple[dict[str, Any], Cues]], cue: str) -> str:
    positives = [c[cue] for r, c in table if r["labels"]["expression"] == "fail"]
    negatives = [c[cue] for r, c in table if r["labels"]["expression"] == "pass"]
    if not positives or not negatives:
        return "   -  "
    return f"{auc(positives, negatives):.3f}"


def print_aucs(table: list[tuple[dict[str, Any], Cues]], title: str) -> None:
    sources = sorted({r["source"] for r, _ in table})
    by_source = {s: [(r, c) for r, c in table if r["source"] == s] for s in sources}
    print(f"\nROC AUC, {title} (> 0.5: high = expression; pos/neg per column)")
    heads = [f"{s[:9]:>9}" for s in ("all", *sources)]
    counts = [
        f"{sum(r['labels']['expression'] == 'fail' for r, _ in t)}/"
        f"{sum(r['labels']['expression'] == 'pass' for r, _ in t)}"
        for t in (table, *by_source.values())
    ]
    print(f"{'cue':<20}" + "".join(heads))
    print(f"{'':<20}" + "".join(f"{c:>9}" for c in counts))
    for cue in table[0][1]:
        row = [auc_line(table, cue), *(auc_line(by_source[s], cue) for s in sources)]
        print(f"{cue:<20}" + "".join(f"{v:>9}" for v in row))


def held_out_cue(
    table: list[tuple[dict[str, Any], Cues]], cue: str, grid: list[float]
) -> dict[str, Any]:
    """Today's verdict plus "not accepted when cue > t", t chosen held out by source."""
    labels = [(r["source"], r["labels"]["expression"] == "fail") for r, _ in table]
    predicted: dict[str, list[bool]] = {"off": [flagged_today(r) for r, _ in table]}
    for t in grid:
        predicted[f"{t:.3f}"] = [flagged_today(r) or c[cue] > t for r, c in table]
    return held_out_by_source(labels, predicted, "off")


def corpus_figures(
    table: list[tuple[dict[str, Any], Cues]], extra: Callable[[dict[str, Any], Cues], bool]
) -> str:
    """Expression column on the whole corpus with `extra` added to today's verdict."""
    pairs = [
        (flagged_today(r) or extra(r, c), r["labels"]["expression"] == "fail") for r, c in table
    ]
    tp = sum(p and label for p, label in pairs)
    fp = sum(p and not label for p, label in pairs)
    return f"balanced accuracy {balanced_accuracy(pairs) or 0:.3f} (tp {tp}, fp {fp})"


GEOMETRIC_CUES = (
    "inner_brow_drop",
    "brow_gap",
    "brow_slant",
    "inner_brow_to_lid",
    "red_lip",
    "mouth_width",
    "corner_lift",
)


def person_fold(record: dict[str, Any]) -> str:
    """A fold of new people: the CFD group letter, or the source."""
    name = Path(record["file"]).name
    return f"cfd-{name[4]}" if name.startswith("CFD-") else str(record["source"])


def logistic_fit(x: np.ndarray, y: np.ndarray, l2: float = 5.0) -> Callable[[np.ndarray], Any]:
    """Gradient descent on the standardised features; returns the scoring function."""
    mean, spread = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / spread
    w, b = np.zeros(z.shape[1]), 0.0
    for _ in range(3000):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= 0.1 * (z.T @ (p - y) / len(y) + l2 * w / len(y))
        b -= 0.1 * float((p - y).mean())
    return lambda new: ((new - mean) / spread) @ w + b


def learned_held_out(table: list[tuple[dict[str, Any], Cues]]) -> None:
    names = sorted(table[0][0]["face"]["blendshapes"])
    x = np.array(
        [
            [r["face"]["blendshapes"][n] for n in names] + [c[g] for g in GEOMETRIC_CUES]
            for r, c in table
        ]
    )
    y = np.array([r["labels"]["expression"] == "fail" for r, _ in table], dtype=float)
    folds = np.array([person_fold(r) for r, _ in table])
    today = np.array([flagged_today(r) for r, _ in table])
    added = np.zeros(len(table), dtype=bool)
    scores = np.zeros(len(table))
    print("\nlearned combination, one fold of new people left out at a time")
    for fold in sorted(set(folds)):
        fit = folds != fold
        model = logistic_fit(x[fit], y[fit])
        limit = float(np.quantile(model(x[fit])[(y[fit] == 0) & ~today[fit]], 0.98))
        scores[~fit] = model(x[~fit])
        added[~fit] = scores[~fit] > limit
        new = added & ~today & ~fit
        print(
            f"  {fold:<18} non-neutral {int(y[~fit].sum()):>3}, newly caught "
            f"{int((new & (y == 1)).sum())}, neutral newly turned away {int((new & (y == 0)).sum())}"
            f" of {int((y[~fit] == 0).sum())}"
        )
    passing = ~today
    held_auc = auc(list(scores[passing & (y == 1)]), list(scores[passing & (y == 0)]))
    pairs = [(bool(today[i] or added[i]), bool(y[i])) for i in range(len(table))]
    print(
        f"  held-out ROC AUC among faces the rules pass today {held_auc:.3f}; expression "
        f"column with it added {balanced_accuracy(pairs) or 0:.3f}"
    )


def compliant_turned_away(
    records: list[dict[str, Any]], tables: dict[str, Cues], cue: str, t: float
) -> tuple[int, int, dict[str, int]]:
    """(compliant portraits, of them newly not accepted by the cue, per CFD group)."""
    total, newly = 0, 0
    groups: dict[str, int] = defaultdict(int)
    for r in records:
        left_out = compliant_left_out(r["labels"])
        if left_out is None or r["file"] not in tables:
            continue
        total += 1
        kept = [s for rule, s in r["rules"].items() if rule not in left_out]
        if all(s == "pass" for s in kept) and tables[r["file"]][cue] > t:
            newly += 1
            name = Path(r["file"]).name
            if name.startswith("CFD-"):
                groups[name[4]] += 1
    return total, newly, dict(groups)


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser(__doc__, json_output=False)
    parser.add_argument("--cache", type=Path, help="JSON of the analysed corpus (made if absent)")
    parser.add_argument(
        "--held-out",
        nargs="*",
        default=["inner_brow_drop", "inner_brow_drop_frontal", "brow_slant", "anger_blend"],
        help="cues to validate as an addition to today's verdict",
    )
    args = parser.parse_args(argv)
    records = load_or_collect(args.corpus, args.cache)
    labelled = [r for r in records if r["labels"]["expression"] in ("pass", "fail")]
    table = [(r, cues(r["face"])) for r in labelled if r["face"] is not None]
    missed = [r for r, _ in table if r["labels"]["expression"] == "fail" and not flagged_today(r)]
    print(f"{len(table)} labelled faces; non-neutral faces the rules pass today: {len(missed)}")
    print_aucs(table, "all labelled faces")
    print_aucs([(r, c) for r, c in table if not flagged_today(r)], "faces the rules pass today")
    all_cues = {r["file"]: cues(r["face"]) for r in records if r["face"] is not None}

    def select(cue: str) -> list[float]:
        return sorted(c[cue] for r, c in table if r["labels"]["expression"] == "pass")

    for cue in args.held_out:
        neutral = select(cue)
        grid = [float(np.quantile(neutral, q)) for q in (0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 0.99)]
        grid.append(neutral[-1])
        print(
            f"\n{cue}: today's verdict plus 'not accepted when {cue} > t' "
            f"(t = the neutral faces' 80th..100th percentile)"
        )
        print_held_out(held_out_cue(table, cue, grid))
        for t in grid:
            total, newly, groups = compliant_turned_away(records, all_cues, cue, t)

            def beyond(r: dict[str, Any], c: Cues, cue: str = cue, t: float = t) -> bool:
                return c[cue] > t

            whole = corpus_figures(table, beyond)
            print(
                f"  t {t:.3f}: whole corpus {whole}; compliant portraits newly not accepted "
                f"{newly}/{total} {groups}"
            )
    print(f"\ntwo of four ({', '.join(BROW_CUES)}) above the neutral faces' percentile q, frontal")
    for q in (0.90, 0.95, 0.97):
        limits = {k: float(np.quantile(select(k), q)) for k in BROW_CUES}

        def two_of_four(r: dict[str, Any], c: Cues, limits: dict[str, float] = limits) -> bool:
            frontal = abs(float(r["face"]["pitch"])) <= FRONTAL_PITCH
            return frontal and sum(c[k] > v for k, v in limits.items()) >= 2

        added = [
            r["file"]
            for r, c in table
            if r["labels"]["expression"] == "pass" and not flagged_today(r) and two_of_four(r, c)
        ]
        print(f"  q {q:.2f}: {corpus_figures(table, two_of_four)}; new false alarms: {added}")
    learned_held_out(table)
    by_hash: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in labelled:
        digest = hashlib.sha256((args.corpus / r["file"]).read_bytes()).hexdigest()
        by_hash[digest].append((r["file"], r["labels"]["expression"]))
    for group in by_hash.values():
        if len({label for _, label in group}) > 1:
            print(
                "identical files with different expression labels: "
                + ", ".join(f"{f} ({label})" for f, label in group)
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
