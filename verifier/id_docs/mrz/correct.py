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
from verifier.policy import MrzReaderPolicy, default_policy


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
    policy: MrzReaderPolicy | None = None,
) -> tuple[list[str], float]:
    """The cheapest set of substitutions from the recogniser's alternatives that makes every
    failing check group hold at once (a field's check digit and the composite together), or
    the lines unchanged when there is none.

    At most `repair_max_changes` characters change, never one that a holding group covers. The
    total cost may reach `repair_max_joint_cost` when every change lies under two or more
    failing groups (two 7-3-1 sums agreeing by chance is a 1-in-100 event), only
    `repair_max_cost` otherwise (1 in 10 per sum): a misprinted specimen must not "validate"
    into a text nobody printed. Among equal costs the fewer changes win, and a repair is taken
    only when no other one costs less than `repair_min_margin` nats more (the policy's
    `[mrz_reader]`; the default policy's when none is given)."""
    policy = policy or default_policy().mrz_reader
    max_changes = policy.repair_max_changes
    max_cost = policy.repair_max_cost
    max_joint_cost = policy.repair_max_joint_cost
    min_margin = policy.repair_min_margin
    groups = layout_for(doc_format).check_groups
    failing = [g for g in groups if not group_holds(g, lines)]
    if not failing:
        return list(lines), 0.0
    protected = {pos for g in groups if g not in failing for pos in (*g.fields, g.check)}
    scope = {pos for g in failing for pos in (*g.fields, g.check)} - protected
    # Positions that two or more failing groups cover (a document number under its own digit
    # and the composite): a change there must satisfy both sums at once.
    shared = {pos for pos in scope if sum(pos in g.fields or pos == g.check for g in failing) >= 2}
    read = {(a.line, a.index): lines[a.line][a.index] for a in alternatives}
    candidates = sorted(
        (
            a
            for a in alternatives
            if (a.line, a.index) in scope
            and a.cost
            <= min(max_joint_cost, _max_alternative_cost(read[(a.line, a.index)], a.char, policy))
        ),
        key=lambda a: a.cost,
    )[: policy.repair_max_alternatives]
    # The two cheapest repairs: when another one comes within `min_margin` nats of the best,
    # the check digits cannot tell which is right (a blurred line offers many), and nothing
    # changes.
    found: list[tuple[float, int, tuple[Alternative, ...]]] = []
    for changes in range(1, max_changes + 1):
        for combo in itertools.combinations(candidates, changes):
            cost = sum(a.cost for a in combo)
            # Two sums vouch for a repair only when every change lies under both; changes in
            # two different fields each meet one sum (1 in 10 each), as a single repair does.
            joint = len(failing) >= 2 and all((a.line, a.index) in shared for a in combo)
            limit = max_joint_cost if joint else max_cost
            if cost > limit or (len(found) == 2 and (cost, changes) >= found[1][:2]):
                continue
            if len({(a.line, a.index) for a in combo}) < changes:
                continue
            trial = [list(line) for line in lines]
            for alt in combo:
                trial[alt.line][alt.index] = alt.char
            as_text = ["".join(chars) for chars in trial]
            if all(group_holds(g, as_text) for g in failing):
                found = sorted([*found, (cost, changes, combo)], key=lambda f: f[:2])[:2]
    if not found or (len(found) == 2 and found[1][0] - found[0][0] < min_margin):
        return list(lines), 0.0
    best = found[0]
    out = [list(line) for line in lines]
    for alt in best[2]:
        out[alt.line][alt.index] = alt.char
    return ["".join(chars) for chars in out], best[0]


# Characters an OCR-B line at a few pixels per glyph turns into each other. The recogniser can
# be firmly wrong between them (a passport's O against 0 at 5-8 nats), so the search may take
# such a change up to the look-alike limit (`max_lookalike_change_cost`); any other change only
# when the recogniser itself was in doubt (`max_other_change_cost`).
_LOOKALIKE_PAIRS = frozenset(
    frozenset(pair)
    for pair in (
        "O0",
        "Q0",
        "D0",
        "U0",
        "I1",
        "L1",
        "T1",
        "IL",
        "Z2",
        "S5",
        "B8",
        "S8",
        "G6",
        "A4",
        "HN",
        "FE",
        "MN",
        "KX",
        "VY",
    )
)


def _max_alternative_cost(read: str, alternative: str, policy: MrzReaderPolicy) -> float:
    if frozenset((read, alternative)) in _LOOKALIKE_PAIRS:
        return policy.max_lookalike_change_cost
    return policy.max_other_change_cost


@dataclass(frozen=True)
class Correction:
    """One character the reader changed from the recogniser's first choice."""

    line: int  # 0-based
    index: int  # 0-based
    read: str
    corrected: str

    def to_dict(self) -> dict[str, int | str]:
        return {
            "line": self.line,
            "index": self.index,
            "read": self.read,
            "corrected": self.corrected,
        }

    @staticmethod
    def from_dict(data: dict[str, int | str]) -> Correction:
        return Correction(
            int(data["line"]), int(data["index"]), str(data["read"]), str(data["corrected"])
        )


def corrections_between(read: list[str], corrected: list[str]) -> tuple[Correction, ...]:
    return tuple(
        Correction(ln, i, a, b)
        for ln, (old, new) in enumerate(zip(read, corrected, strict=True))
        for i, (a, b) in enumerate(zip(old, new, strict=True))
        if a != b
    )


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
    doc_format: str,
    lines: list[str],
    alternatives: list[Alternative],
    policy: MrzReaderPolicy | None = None,
) -> tuple[list[str], float]:
    """In alphanumeric fields, a run of look-alike letters between two digits becomes digits,
    and a run of look-alike digits between two letters becomes letters, when the recogniser
    offers that reading at a moderate cost for every character of the run (a higher one where no
    check digit covers the run): `4O3` becomes `403`, `D00A` becomes `DOOA`. When two such runs
    touch (`A000O0`), only a strictly shorter one changes (a tie is left to the check digits).
    The moderate and the higher cost are the policy's `lookalike_run_max_cost` and
    `unchecked_lookalike_run_max_cost`: where no check digit covers the run, nothing else can
    arbitrate, and the recogniser's O/0-style preference is weak evidence."""
    policy = policy or default_policy().mrz_reader
    costs = {(a.line, a.index, a.char): a.cost for a in alternatives}
    covered = covered_positions(doc_format)

    def conversion(ln: int, k: int, table: dict[str, str], char: str) -> tuple[float, str] | None:
        options = [(costs[(ln, k, t)], t) for t in table[char] if (ln, k, t) in costs]
        best = min(options, default=None)
        limit = (
            policy.lookalike_run_max_cost
            if (ln, k) in covered
            else policy.unchecked_lookalike_run_max_cost
        )
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
    policy: MrzReaderPolicy | None = None,
) -> tuple[list[str], float]:
    """An unknown country code becomes the cheapest known one within one or two substitutions
    from the recogniser's alternatives (`MLD` -> `NLD`, `GUR` -> `GBR`), at most the policy's
    `country_code_max_cost` in all."""
    max_cost = (policy or default_policy().mrz_reader).country_code_max_cost
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
