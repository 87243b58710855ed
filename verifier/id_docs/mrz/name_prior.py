"""Which of the recogniser's near-tied letters a name field most likely holds.

No check digit covers the holder's name, so where the recogniser cannot tell two letters apart
(`KINGD?M`, C or O at 5 px glyphs) the only evidence left is how names are spelled. The letter-pair
counts in models/mrz_name_bigrams.json (built from Faker's name lists by
`training/name_bigrams.py`) give that prior; a Viterbi search over the name field adds it to the
recogniser's costs. Only alternatives within `max_gap` nats of the recogniser's choice compete, so
the prior breaks ties and never overrules a confident reading.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

from verifier.id_docs.mrz.correct import Alternative
from verifier.id_docs.mrz.layout import ALPHA, FILLER, layout_for
from verifier.model_files import model_path

MODEL_NAME = "mrz_name_bigrams.json"


def name_fields(layout: str) -> list[tuple[int, int, int]]:
    """(line, start, stop) of each name field no check digit covers (the ICAO formats' one
    field of primary and secondary identifiers; none on the French card, whose composite check
    digit covers the names and arbitrates there instead)."""
    table = layout_for(layout)
    covered = table.covered_positions
    fields = [table.field(name) for name in table.name_fields]
    return [
        (f.line, f.start, f.stop) for f in fields if not any(p in covered for p in f.positions())
    ]


class NameBigrams:
    """-log P(next letter | letter) over `<A-Z`, with add-one smoothing. A filler run (`<<`
    between the identifiers, trailing padding) is free: it carries no spelling evidence."""

    def __init__(self, counts: dict[str, int], alphabet: str) -> None:
        self.alphabet = alphabet
        self._cost: dict[str, float] = {}
        for a in alphabet:
            row = {b: counts.get(a + b, 0) + 1 for b in alphabet}
            total = sum(row.values())
            for b, count in row.items():
                self._cost[a + b] = -math.log(count / total)
        self._cost[FILLER + FILLER] = 0.0

    def cost(self, previous: str, char: str) -> float:
        return self._cost.get(previous + char, 0.0)


@lru_cache(maxsize=1)
def name_bigrams() -> NameBigrams:
    document = json.loads(model_path(MODEL_NAME).read_text())
    return NameBigrams(document["bigrams"], document["alphabet"])


def prefer_likely_names(
    layout: str,
    lines: list[str],
    alternatives: list[Alternative],
    *,
    max_gap: float,
    weight: float = 1.0,
    bigrams: NameBigrams | None = None,
) -> list[str]:
    """The lines with the name field re-read as the cheapest sum of recogniser cost and
    `weight` x spelling cost, choosing only among alternatives within `max_gap` nats."""
    out = list(lines)
    for line_no, start, stop in name_fields(layout):
        out = _reread_name(out, line_no, start, stop, alternatives, max_gap, weight, bigrams)
    return out


def _reread_name(
    lines: list[str],
    line_no: int,
    start: int,
    stop: int,
    alternatives: list[Alternative],
    max_gap: float,
    weight: float,
    bigrams: NameBigrams | None,
) -> list[str]:
    model = bigrams or name_bigrams()
    text = lines[line_no]
    options: list[list[tuple[str, float]]] = []
    for index in range(start, stop):
        choices = [(text[index], 0.0)]
        choices += [
            (a.char, a.cost)
            for a in alternatives
            if a.line == line_no and a.index == index and a.cost <= max_gap and a.char in ALPHA
        ]
        options.append(choices)
    if all(len(choices) == 1 for choices in options):
        return lines
    # best[c] = (total cost, text) of the cheapest reading so far ending in character c.
    best: dict[str, tuple[float, str]] = {FILLER: (0.0, "")}
    for choices in options:
        step: dict[str, tuple[float, str]] = {}
        for char, read_cost in choices:
            step[char] = min(
                (total + read_cost + weight * model.cost(prev, char), so_far + char)
                for prev, (total, so_far) in best.items()
            )
        best = step
    _, name = min(
        (total + weight * model.cost(prev, FILLER), so_far)
        for prev, (total, so_far) in best.items()
    )
    out = list(lines)
    out[line_no] = text[:start] + name + text[stop:]
    return out
