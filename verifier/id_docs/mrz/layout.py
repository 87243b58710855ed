"""The one table of MRZ layouts: every format's lines, fields, allowed characters and check digits.

ICAO Doc 9303 Parts 4-7 (TD1, TD2, TD3, MRV-A, MRV-B) and the French national identity card of
1988-2021 (two lines of 36 with its own fields and check digits, not TD2). The parser
(`parse.py`) reads fields by name from here; the reader (`reader.py`, `correct.py`) takes the
allowed characters per position and the check-digit groups from here. Positions are 0-based
(ICAO's 1-based positions minus one); a field is `line[start:stop]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
FILLER = "<"
ALNUM = DIGITS + LETTERS + FILLER
ALPHA = LETTERS + FILLER
NUMERIC = DIGITS + FILLER  # unknown dates and some check digits are filled with '<'
SEX = "MFX<"
MRZ_ALPHABET = frozenset(ALNUM)

Position = tuple[int, int]  # (line, index)


class MrzFormat(StrEnum):
    TD1 = "TD1"  # ID cards: 3 lines of 30
    TD2 = "TD2"  # ID cards and older documents: 2 lines of 36
    TD3 = "TD3"  # passports: 2 lines of 44
    MRVA = "MRVA"  # full-page visas: 2 lines of 44
    MRVB = "MRVB"  # smaller visas: 2 lines of 36
    FRA_ID = "FRA_ID"  # French national identity card 1988-2021: 2 lines of 36, own layout


@dataclass(frozen=True)
class Field:
    """`lines[line][start:stop]`, each character from `chars` (the first from `lead` if set)."""

    name: str
    line: int
    start: int
    stop: int
    chars: str
    lead: str | None = None

    def text(self, lines: list[str] | tuple[str, ...]) -> str:
        return lines[self.line][self.start : self.stop]

    def positions(self) -> tuple[Position, ...]:
        return tuple((self.line, i) for i in range(self.start, self.stop))


@dataclass(frozen=True)
class CheckGroup:
    """Positions (line, index) of the checked characters and of their check digit."""

    name: str
    fields: tuple[Position, ...]
    check: Position


@dataclass(frozen=True)
class Layout:
    doc_format: MrzFormat
    n_lines: int
    width: int
    fields: tuple[Field, ...]
    # (group name, names of the fields it covers in order, name of the check-digit field)
    checks: tuple[tuple[str, tuple[str, ...], str], ...]
    name_fields: tuple[str, ...]  # the holder's name, in reading order

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.doc_format} has no field {name!r}")

    def has_field(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)

    def text(self, lines: list[str] | tuple[str, ...], name: str) -> str:
        return self.field(name).text(lines)

    @cached_property
    def allowed(self) -> list[list[str]]:
        """Per line, per position, the characters the layout allows there."""
        rows: list[list[str | None]] = [[None] * self.width for _ in range(self.n_lines)]
        for f in self.fields:
            for k, (ln, i) in enumerate(f.positions()):
                rows[ln][i] = f.lead if (k == 0 and f.lead) else f.chars
        missing = [(ln, i) for ln, row in enumerate(rows) for i, c in enumerate(row) if c is None]
        if missing:
            raise ValueError(f"{self.doc_format}: positions without a field: {missing}")
        return [[c for c in row if c is not None] for row in rows]

    @cached_property
    def check_groups(self) -> tuple[CheckGroup, ...]:
        groups = []
        for name, covered, check in self.checks:
            positions = tuple(
                p for field_name in covered for p in self.field(field_name).positions()
            )
            (check_position,) = self.field(check).positions()
            groups.append(CheckGroup(name, positions, check_position))
        return tuple(groups)

    @cached_property
    def covered_positions(self) -> frozenset[Position]:
        """Every character some check digit covers, check digits included."""
        return frozenset(p for g in self.check_groups for p in (*g.fields, g.check))

    def country_positions(self) -> list[tuple[Position, ...]]:
        return [
            self.field(name).positions()
            for name in ("issuing_state", "nationality")
            if self.has_field(name)
        ]


# The document code's first letter per format (Doc 9303: P for passports, A, C or I for cards,
# V for visas; older TD2 passports still circulate). The reader reads a first line in the shape's
# layout before it knows whether a `V` makes it a visa, so TD3 and TD2 admit V too. A soft
# preference in the reader: a state printing another letter is still read, and the parser
# reports it.
_LEAD = {"TD3": "PV", "TD2": "ACIPV", "TD1": "ACI", "MRV": "V", "FRA_ID": "I"}


def _name_line(width: int, lead: str) -> tuple[Field, ...]:
    return (
        Field("document_code", 0, 0, 2, ALPHA, lead=lead),
        Field("issuing_state", 0, 2, 5, ALPHA),
        Field("names", 0, 5, width, ALPHA),
    )


def _data_line_head() -> tuple[Field, ...]:
    """Line 2 of TD2, TD3 and visas up to the expiry check digit (identical in all of them)."""
    return (
        Field("document_number", 1, 0, 9, ALNUM),
        Field("document_number_check", 1, 9, 10, NUMERIC),
        Field("nationality", 1, 10, 13, ALPHA),
        Field("birth_date", 1, 13, 19, NUMERIC),
        Field("birth_date_check", 1, 19, 20, NUMERIC),
        Field("sex", 1, 20, 21, SEX),
        Field("expiry_date", 1, 21, 27, NUMERIC),
        Field("expiry_date_check", 1, 27, 28, NUMERIC),
    )


_DATES_CHECKS = (
    ("document_number", ("document_number",), "document_number_check"),
    ("birth_date", ("birth_date",), "birth_date_check"),
    ("expiry_date", ("expiry_date",), "expiry_date_check"),
)
_HEAD_COMPOSITE = (
    "document_number",
    "document_number_check",
    "birth_date",
    "birth_date_check",
    "expiry_date",
    "expiry_date_check",
)

LAYOUTS: dict[MrzFormat, Layout] = {
    MrzFormat.TD3: Layout(
        MrzFormat.TD3,
        2,
        44,
        _name_line(44, _LEAD["TD3"])
        + _data_line_head()
        + (
            Field("optional_data", 1, 28, 42, ALNUM),
            Field("optional_data_check", 1, 42, 43, NUMERIC),
            Field("composite_check", 1, 43, 44, DIGITS),
        ),
        (
            *_DATES_CHECKS,
            ("optional_data", ("optional_data",), "optional_data_check"),
            (
                "composite",
                (*_HEAD_COMPOSITE, "optional_data", "optional_data_check"),
                "composite_check",
            ),
        ),
        ("names",),
    ),
    MrzFormat.TD2: Layout(
        MrzFormat.TD2,
        2,
        36,
        _name_line(36, _LEAD["TD2"])
        + _data_line_head()
        + (
            Field("optional_data", 1, 28, 35, ALNUM),
            Field("composite_check", 1, 35, 36, DIGITS),
        ),
        (*_DATES_CHECKS, ("composite", (*_HEAD_COMPOSITE, "optional_data"), "composite_check")),
        ("names",),
    ),
    MrzFormat.TD1: Layout(
        MrzFormat.TD1,
        3,
        30,
        (
            Field("document_code", 0, 0, 2, ALPHA, lead=_LEAD["TD1"]),
            Field("issuing_state", 0, 2, 5, ALPHA),
            Field("document_number", 0, 5, 14, ALNUM),
            Field("document_number_check", 0, 14, 15, NUMERIC),
            Field("optional_data", 0, 15, 30, ALNUM),
            Field("birth_date", 1, 0, 6, NUMERIC),
            Field("birth_date_check", 1, 6, 7, NUMERIC),
            Field("sex", 1, 7, 8, SEX),
            Field("expiry_date", 1, 8, 14, NUMERIC),
            Field("expiry_date_check", 1, 14, 15, NUMERIC),
            Field("nationality", 1, 15, 18, ALPHA),
            Field("optional_data_2", 1, 18, 29, ALNUM),
            Field("composite_check", 1, 29, 30, DIGITS),
            Field("names", 2, 0, 30, ALPHA),
        ),
        (
            *_DATES_CHECKS,
            (
                "composite",
                (
                    "document_number",
                    "document_number_check",
                    "optional_data",
                    "birth_date",
                    "birth_date_check",
                    "expiry_date",
                    "expiry_date_check",
                    "optional_data_2",
                ),
                "composite_check",
            ),
        ),
        ("names",),
    ),
    # Visas (Part 7): free optional data to the end of line 2 and no composite check digit.
    MrzFormat.MRVA: Layout(
        MrzFormat.MRVA,
        2,
        44,
        _name_line(44, _LEAD["MRV"])
        + _data_line_head()
        + (Field("optional_data", 1, 28, 44, ALNUM),),
        _DATES_CHECKS,
        ("names",),
    ),
    MrzFormat.MRVB: Layout(
        MrzFormat.MRVB,
        2,
        36,
        _name_line(36, _LEAD["MRV"])
        + _data_line_head()
        + (Field("optional_data", 1, 28, 36, ALNUM),),
        _DATES_CHECKS,
        ("names",),
    ),
    # The French card: surname on line 1, given names on line 2, a 12-character card number
    # (issue year and month, department, sequence), no expiry date and no nationality field, and
    # a composite check digit over all of line 1 and line 2 up to the sex.
    MrzFormat.FRA_ID: Layout(
        MrzFormat.FRA_ID,
        2,
        36,
        (
            Field("document_code", 0, 0, 2, ALPHA, lead=_LEAD["FRA_ID"]),
            Field("issuing_state", 0, 2, 5, ALPHA),
            Field("primary_name", 0, 5, 30, ALPHA),
            Field("issuing_office", 0, 30, 36, ALNUM),
            Field("issue_month", 1, 0, 4, NUMERIC),
            Field("card_number", 1, 4, 12, ALNUM),
            Field("document_number_check", 1, 12, 13, DIGITS),
            Field("given_names", 1, 13, 27, ALPHA),
            Field("birth_date", 1, 27, 33, NUMERIC),
            Field("birth_date_check", 1, 33, 34, NUMERIC),
            Field("sex", 1, 34, 35, SEX),
            Field("composite_check", 1, 35, 36, DIGITS),
        ),
        (
            ("document_number", ("issue_month", "card_number"), "document_number_check"),
            ("birth_date", ("birth_date",), "birth_date_check"),
            (
                "composite",
                (
                    "document_code",
                    "issuing_state",
                    "primary_name",
                    "issuing_office",
                    "issue_month",
                    "card_number",
                    "document_number_check",
                    "given_names",
                    "birth_date",
                    "birth_date_check",
                    "sex",
                ),
                "composite_check",
            ),
        ),
        ("primary_name", "given_names"),
    ),
}

LINE_SHAPE: dict[MrzFormat, tuple[int, int]] = {
    fmt: (layout.n_lines, layout.width) for fmt, layout in LAYOUTS.items()
}
VISA_OF_SHAPE = {MrzFormat.TD2: MrzFormat.MRVB, MrzFormat.TD3: MrzFormat.MRVA}


def layout_for(doc_format: MrzFormat | str) -> Layout:
    return LAYOUTS[MrzFormat(doc_format)]


def is_french_card(lines: list[str]) -> bool:
    """Two lines of 36 that start `ID` + `FRA`: the French card's own layout, not TD2."""
    return len(lines) == 2 and lines[0][:5] == "IDFRA" and all(len(ln) == 36 for ln in lines)


def layout_of(doc_format: str, first_line: str) -> MrzFormat:
    """The layout whose field types and check digits apply to text read in a shape: a visa's
    when the text starts with V, the French card's when two lines of 36 start `I?FRA`."""
    fmt = MrzFormat(doc_format)
    if first_line.startswith("V") and fmt in VISA_OF_SHAPE:
        return VISA_OF_SHAPE[fmt]
    if fmt is MrzFormat.TD2 and first_line[:1] == "I" and first_line[2:5] == "FRA":
        return MrzFormat.FRA_ID
    return fmt
