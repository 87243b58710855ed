"""Corrections while reading: the searches that pick among the recogniser's alternatives so that
the check digits hold, country codes are known codes, and look-alike characters match their
neighbours.

This is reading, not validation: it only chooses the most probable text consistent with the
layout (`layout.py`, the one table of formats). Parsing and the verdict on the fields live in
`parse.py`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from verifier.id_docs.mrz.check_digit import compute_check_digit
from verifier.id_docs.mrz.layout import ALNUM, FILLER, CheckGroup, Position, layout_for


def group_holds(group: CheckGroup, lines: list[str]) -> bool:
    """True when the group's check digit matches (an all-filler optional field may have '<')."""
    text = "".join(lines[ln][i] for ln, i in group.fields)
    check = lines[group.check[0]][group.check[1]]
    if check == FILLER:
        # '<' stands for an empty optional field, or for 0 (ICAO allows both in places).
        return set(text) <= {FILLER} or compute_check_digit(text) == "0"
    if not check.isdigit():
        return False
    return compute_check_digit(text) == check


def failing_groups(doc_format: str, lines: list[str]) -> list[str]:
    return [g.name for g in layout_for(doc_format).check_groups if not group_holds(g, lines)]


@dataclass(frozen=True)
class Alternative:
    line: int
    index: int
    char: str
    cost: float  # extra negative log-probability against the first choice


def correct_with_alternatives(
    doc_format: str,
    lines: list[str],
    alternatives: list[Alternative],
    max_changes: int = 2,
    max_cost: float = 9.0,
    max_total_changes: int = 2,
) -> tuple[list[str], float]:
    """The cheapest set of substitutions (at most `max_changes` per check group and
    `max_total_changes` in all, total cost at most `max_cost`) that makes failing check groups
    hold. Groups are fixed one after another, the composite last, never undoing a group that
    already holds. More changes would let a misprinted specimen "validate" into a wrong text."""
    current = [list(line) for line in lines]
    total_cost = 0.0
    total_changes = 0
    by_position: dict[tuple[int, int], list[Alternative]] = {}
    for alt in alternatives:
        by_position.setdefault((alt.line, alt.index), []).append(alt)
    groups = layout_for(doc_format).check_groups
    for group in groups:
        as_text = ["".join(chars) for chars in current]
        if group_holds(group, as_text):
            continue
        protected = {
            pos
            for other in groups
            if other is not group and group_holds(other, as_text)
            for pos in (*other.fields, other.check)
        }
        positions = [
            p for p in (*group.fields, group.check) if p in by_position and p not in protected
        ]
        best: tuple[float, tuple[Alternative, ...]] | None = None
        for changes in range(1, min(max_changes, max_total_changes - total_changes) + 1):
            for combo_positions in itertools.combinations(positions, changes):
                for combo in itertools.product(*(by_position[p] for p in combo_positions)):
                    cost = sum(a.cost for a in combo)
                    if total_cost + cost > max_cost or (best is not None and cost >= best[0]):
                        continue
                    trial = [chars[:] for chars in current]
                    for alt in combo:
                        trial[alt.line][alt.index] = alt.char
                    if group_holds(group, ["".join(chars) for chars in trial]):
                        best = (cost, combo)
            if best is not None:
                break
        if best is not None:
            for alt in best[1]:
                current[alt.line][alt.index] = alt.char
            total_cost += best[0]
            total_changes += len(best[1])
    return ["".join(chars) for chars in current], total_cost


# Letters and digits OCR-B readers confuse; in free (alphanumeric) fields only the neighbours
# tell them apart, and the 7-3-1 weights cannot (S and 8, K and '<' differ by 20).
_LOOKALIKE_DIGIT = {
    "O": "0",
    "Q": "0",
    "D": "0",
    "U": "0",
    "I": "1",
    "L": "1",
    "Z": "2",
    "S": "58",
    "G": "6",
    "B": "8",
    "A": "4",
}
_LOOKALIKE_LETTER = {"0": "OD", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "8": "BS"}
_MAX_LOOKALIKE_COST = 4.0
# Where no check digit covers the run (a visa's optional data), nothing else can arbitrate, and
# the recogniser's O/0-style preference is weak evidence: on the real documents it reads right,
# the median gap between a look-alike O or 0 and its twin is 5.7-7.7 nats (bench/eval_mrz.py
# corpus), and faces other than OCR-B print O and 0 alike. There the neighbours decide up to
# this cost.
_MAX_UNCHECKED_LOOKALIKE_COST = 8.0


def covered_positions(doc_format: str) -> frozenset[Position]:
    """(line, index) of every character some check digit covers, check digits included."""
    return layout_for(doc_format).covered_positions


def _is_free(doc_format: str, line: int, index: int) -> bool:
    return layout_for(doc_format).allowed[line][index] == ALNUM


def _lookalike_runs(doc_format: str, ln: int, line: str) -> list[tuple[int, int, dict[str, str]]]:
    """Runs (start, stop, table) of look-alike letters between two digits, or of look-alike
    digits between two letters, inside free fields (neighbours as read)."""
    runs = []
    for table, other_kind in ((_LOOKALIKE_DIGIT, str.isdigit), (_LOOKALIKE_LETTER, str.isalpha)):
        i = 0
        while i < len(line):
            if not (_is_free(doc_format, ln, i) and line[i] in table):
                i += 1
                continue
            j = i
            while j < len(line) and _is_free(doc_format, ln, j) and line[j] in table:
                j += 1
            left = line[i - 1] if i > 0 else "<"
            right = line[j] if j < len(line) else "<"
            if other_kind(left) and other_kind(right):
                runs.append((i, j, table))
            i = j
    return runs


def prefer_neighbour_kind(
    doc_format: str, lines: list[str], alternatives: list[Alternative]
) -> tuple[list[str], float]:
    """In alphanumeric fields, a run of look-alike letters between two digits becomes digits,
    and a run of look-alike digits between two letters becomes letters, when the recogniser
    offers that reading at a moderate cost for every character of the run (a higher one where no
    check digit covers the run): `4O3` becomes `403`, `D00A` becomes `DOOA`. When two such runs
    touch (`A000O0`), only a strictly shorter one changes (a tie is left to the check digits)."""
    costs = {(a.line, a.index, a.char): a.cost for a in alternatives}
    covered = covered_positions(doc_format)

    def conversion(ln: int, k: int, table: dict[str, str], char: str) -> tuple[float, str] | None:
        options = [(costs[(ln, k, t)], t) for t in table[char] if (ln, k, t) in costs]
        best = min(options, default=None)
        limit = _MAX_LOOKALIKE_COST if (ln, k) in covered else _MAX_UNCHECKED_LOOKALIKE_COST
        return best if best is not None and best[0] <= limit else None

    out = [list(line) for line in lines]
    total = 0.0
    for ln, line in enumerate(lines):
        # Only runs the recogniser would read the other way compete: a confident `6` between
        # two doubtful `O`s (G costs far more than the limit) must not block `O6O` -> `060`.
        runs: list[tuple[int, int, list[tuple[float, str]]]] = []
        for start, stop, table in _lookalike_runs(doc_format, ln, line):
            found = [conversion(ln, k, table, line[k]) for k in range(start, stop)]
            changes = [c for c in found if c is not None]
            if len(changes) == len(found):
                runs.append((start, stop, changes))
        for start, stop, run_changes in runs:
            touching = [r for r in runs if r[0] == stop or r[1] == start]
            if any(r[1] - r[0] <= stop - start for r in touching):
                continue
            for k, (cost, target) in zip(range(start, stop), run_changes, strict=True):
                out[ln][k] = target
                total += cost
    return ["".join(chars) for chars in out], total


def country_positions(doc_format: str) -> list[tuple[Position, ...]]:
    """(line, index) of the issuing state and of the nationality."""
    return layout_for(doc_format).country_positions()


def correct_country_codes(
    doc_format: str,
    lines: list[str],
    alternatives: list[Alternative],
    is_known: Callable[[str], bool],
    max_cost: float = 6.0,
) -> tuple[list[str], float]:
    """An unknown country code becomes the cheapest known one within one or two substitutions
    from the recogniser's alternatives (`MLD` -> `NLD`, `GUR` -> `GBR`)."""
    out = [list(line) for line in lines]
    by_position: dict[tuple[int, int], list[Alternative]] = {}
    for alt in alternatives:
        by_position.setdefault((alt.line, alt.index), []).append(alt)
    total = 0.0
    for positions in country_positions(doc_format):
        code = "".join(out[ln][i] for ln, i in positions)
        if is_known(code):
            continue
        best: tuple[float, tuple[Alternative, ...]] | None = None
        for changes in (1, 2):
            for chosen in itertools.combinations(
                [p for p in positions if p in by_position], changes
            ):
                for combo in itertools.product(*(by_position[p] for p in chosen)):
                    cost = sum(a.cost for a in combo)
                    if cost > max_cost or (best is not None and cost >= best[0]):
                        continue
                    trial = {(a.line, a.index): a.char for a in combo}
                    candidate = "".join(trial.get(p, out[p[0]][p[1]]) for p in positions)
                    if is_known(candidate):
                        best = (cost, combo)
            if best is not None:
                break
        if best is not None:
            for alt in best[1]:
                out[alt.line][alt.index] = alt.char
            total += best[0]
    return ["".join(chars) for chars in out], total
