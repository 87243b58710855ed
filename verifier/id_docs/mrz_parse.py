"""ICAO Doc 9303 machine readable zones: parse TD1, TD2, TD3, MRV-A and MRV-B and validate them.

`parse_mrz(lines)` never raises on bad input: it returns an `MrzParse` holding the fields it
could read and every problem found (wrong length, characters outside A-Z 0-9 <, a check digit
that does not match, an unknown country code, an impossible date, an unknown sex marker). The
MRZ reader uses `.valid` and the problem count to choose between OCR candidates, so the
function is pure and fast.

Positions below are ICAO's 1-based positions written as 0-based Python slices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from verifier.id_docs.check_digit import is_valid as check_digit_is_valid
from verifier.id_docs.countries import is_known_code, is_specimen_code, normalise_code
from verifier.id_docs.mrz_dates import (
    DateKind,
    MrzDateError,
    is_partly_unknown,
    resolve_mrz_date,
)

MRZ_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")


class MrzFormat(StrEnum):
    TD1 = "TD1"  # ID cards: 3 lines of 30
    TD2 = "TD2"  # ID cards and older documents: 2 lines of 36
    TD3 = "TD3"  # passports: 2 lines of 44
    MRVA = "MRVA"  # full-page visas: 2 lines of 44
    MRVB = "MRVB"  # smaller visas: 2 lines of 36


LINE_SHAPE: dict[MrzFormat, tuple[int, int]] = {
    MrzFormat.TD1: (3, 30),
    MrzFormat.TD2: (2, 36),
    MrzFormat.TD3: (2, 44),
    MrzFormat.MRVA: (2, 44),
    MrzFormat.MRVB: (2, 36),
}


class ProblemKind(StrEnum):
    SHAPE = "shape"  # wrong number of lines or line length
    CHARSET = "charset"  # a character outside A-Z, 0-9 and <
    CHECK_DIGIT = "check_digit"
    COUNTRY = "country"
    DATE = "date"
    SEX = "sex"
    DOCUMENT_CODE = "document_code"
    NAME = "name"


@dataclass(frozen=True)
class MrzProblem:
    kind: ProblemKind
    field: str  # the field it concerns, e.g. "birth_date", "composite", "issuing_state"
    message_en: str
    message_nb: str

    def to_dict(self) -> dict[str, str]:
        return {
            "kind": str(self.kind),
            "field": self.field,
            "message_en": self.message_en,
            "message_nb": self.message_nb,
        }


@dataclass(frozen=True)
class MrzData:
    """The fields of one MRZ, as printed (fillers removed) plus the resolved dates."""

    doc_format: MrzFormat
    document_code: str  # "P", "PN", "I", "ID", "IR", "AC", "V"...
    issuing_state: str  # country code without padding ("D", "NOR", "UTO")
    primary_identifier: str  # surname(s), words separated by single spaces
    secondary_identifier: str  # given name(s), words separated by single spaces
    document_number: str  # full number, TD1/TD2 overflow included
    nationality: str
    birth_date_raw: str  # YYMMDD as printed (may hold `<` for unknown parts)
    birth_date: date | None  # None when unknown or impossible
    sex: str  # "M", "F" or "X" (unspecified, `<` in the MRZ)
    expiry_date_raw: str
    expiry_date: date | None
    optional_data: str  # TD1 line 1 / TD2 / MRV optional data; TD3 personal number
    optional_data_2: str  # TD1 line 2 optional data; empty for other formats
    names_may_be_truncated: bool  # the name field is full (to its last or last-but-one position)
    check_digits: dict[str, bool]  # name -> matched, for every check digit the format has
    lines: tuple[str, ...]

    @property
    def is_specimen(self) -> bool:
        """ICAO's fictional state Utopia: a specimen, never a real document."""
        return is_specimen_code(self.issuing_state) or is_specimen_code(self.nationality)

    @property
    def is_visa(self) -> bool:
        return self.doc_format in (MrzFormat.MRVA, MrzFormat.MRVB)

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_format": str(self.doc_format),
            "document_code": self.document_code,
            "issuing_state": self.issuing_state,
            "primary_identifier": self.primary_identifier,
            "secondary_identifier": self.secondary_identifier,
            "document_number": self.document_number,
            "nationality": self.nationality,
            "birth_date_raw": self.birth_date_raw,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "sex": self.sex,
            "expiry_date_raw": self.expiry_date_raw,
            "expiry_date": self.expiry_date.isoformat() if self.expiry_date else None,
            "optional_data": self.optional_data,
            "optional_data_2": self.optional_data_2,
            "names_may_be_truncated": self.names_may_be_truncated,
            "check_digits": dict(self.check_digits),
            "lines": list(self.lines),
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> MrzData:
        def as_date(value: str | None) -> date | None:
            return date.fromisoformat(value) if value else None

        return MrzData(
            doc_format=MrzFormat(data["doc_format"]),
            document_code=data["document_code"],
            issuing_state=data["issuing_state"],
            primary_identifier=data["primary_identifier"],
            secondary_identifier=data["secondary_identifier"],
            document_number=data["document_number"],
            nationality=data["nationality"],
            birth_date_raw=data["birth_date_raw"],
            birth_date=as_date(data.get("birth_date")),
            sex=data["sex"],
            expiry_date_raw=data["expiry_date_raw"],
            expiry_date=as_date(data.get("expiry_date")),
            optional_data=data.get("optional_data", ""),
            optional_data_2=data.get("optional_data_2", ""),
            names_may_be_truncated=bool(data.get("names_may_be_truncated", False)),
            check_digits={k: bool(v) for k, v in data.get("check_digits", {}).items()},
            lines=tuple(data.get("lines", ())),
        )


@dataclass
class MrzParse:
    """What `parse_mrz` found: the data (when the shape allowed reading fields) and the problems."""

    doc_format: MrzFormat | None
    data: MrzData | None
    problems: list[MrzProblem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.data is not None and not self.problems

    @property
    def check_digits_ok(self) -> bool:
        """Shape, characters and every check digit right, whatever the codes and dates say.

        What an OCR candidate choice should rank by: real documents carry codes outside the
        lists (old `SI<`, a `<<<` nationality) that no reading can fix.
        """
        reading_problems = (ProblemKind.SHAPE, ProblemKind.CHARSET, ProblemKind.CHECK_DIGIT)
        return self.data is not None and not any(p.kind in reading_problems for p in self.problems)

    @property
    def failed_check_digits(self) -> list[str]:
        """Names of the check digits that did not match ("document_number", "composite"...)."""
        return [p.field for p in self.problems if p.kind is ProblemKind.CHECK_DIGIT]

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_format": str(self.doc_format) if self.doc_format else None,
            "valid": self.valid,
            "data": self.data.to_dict() if self.data else None,
            "problems": [p.to_dict() for p in self.problems],
        }


# Human names of the check digits for messages.
_CHECK_NAMES: dict[str, tuple[str, str]] = {
    "document_number": ("document number", "dokumentnummer"),
    "birth_date": ("date of birth", "fødselsdato"),
    "expiry_date": ("date of expiry", "utløpsdato"),
    "optional_data": ("personal number", "personnummer"),
    "composite": ("composite (whole MRZ)", "samlet kontrollsiffer (hele MRZ)"),
}


_VISA_OF_SHAPE = {MrzFormat.TD2: MrzFormat.MRVB, MrzFormat.TD3: MrzFormat.MRVA}


def detect_format(lines: list[str]) -> MrzFormat | None:
    """The format from the number and length of lines (and `V` for visas); None if none fits."""
    shape = (len(lines), len(lines[0]) if lines else 0)
    if any(len(line) != shape[1] for line in lines):
        return None
    is_visa = bool(lines) and lines[0][:1] == "V"
    if shape == (3, 30):
        return MrzFormat.TD1
    if shape == (2, 36):
        return MrzFormat.MRVB if is_visa else MrzFormat.TD2
    if shape == (2, 44):
        return MrzFormat.MRVA if is_visa else MrzFormat.TD3
    return None


def character_classes(doc_format: MrzFormat) -> list[str]:
    """Per line, one class per position: `9` digit only, `A` letter or `<`, `X` anything.

    The reader uses this to choose O/0, I/1, B/8, S/5, Z/2 where the format allows one only.
    Document numbers and optional data are alphanumeric (`X`). Check digits that may be `<`
    (the document number's in TD1/TD2, which holds `<` when the number overflows, and TD3's
    personal-number digit) stay `X`. Birth dates are marked `9` although ICAO allows `<` for
    unknown parts: such documents are rare and the parser still accepts them.
    """
    n_lines, width = LINE_SHAPE[doc_format]
    rows = [["X"] * width for _ in range(n_lines)]

    def mark(row: int, start: int, stop: int, cls: str) -> None:
        for i in range(start, stop):
            rows[row][i] = cls

    if doc_format is MrzFormat.TD1:
        mark(0, 0, 5, "A")
        mark(1, 0, 7, "9")
        mark(1, 7, 8, "A")
        mark(1, 8, 15, "9")
        mark(1, 15, 18, "A")
        mark(1, 29, 30, "9")
        mark(2, 0, 30, "A")
    else:
        mark(0, 0, width, "A")
        if doc_format is not MrzFormat.TD2:
            mark(1, 9, 10, "9")
        mark(1, 10, 13, "A")
        mark(1, 13, 20, "9")
        mark(1, 20, 21, "A")
        mark(1, 21, 28, "9")
        if doc_format in (MrzFormat.TD2, MrzFormat.TD3):
            mark(1, width - 1, width, "9")
    return ["".join(r) for r in rows]


def parse_mrz(
    lines: list[str],
    doc_format: MrzFormat | str | None = None,
    *,
    today: date | None = None,
) -> MrzParse:
    """Parses and validates MRZ lines; `doc_format` forces a format instead of detecting it."""
    lines = [line.strip().upper() for line in lines]
    fmt = MrzFormat(doc_format) if doc_format is not None else detect_format(lines)
    if fmt is not None and lines and lines[0][:1] == "V":
        # A reader that knows only the shape says TD2/TD3; a leading V makes it a visa.
        fmt = _VISA_OF_SHAPE.get(fmt, fmt)
    if fmt is None:
        lengths = "x".join(str(len(line)) for line in lines) or "none"
        return MrzParse(
            None,
            None,
            [
                MrzProblem(
                    ProblemKind.SHAPE,
                    "lines",
                    f"lines of lengths {lengths} fit no MRZ format (3x30, 2x36, 2x44)",
                    f"linjer med lengde {lengths} passer ikke med noe MRZ-format "
                    "(3x30, 2x36, 2x44)",
                )
            ],
        )
    n_lines, width = LINE_SHAPE[fmt]
    if len(lines) != n_lines or any(len(line) != width for line in lines):
        return MrzParse(
            fmt,
            None,
            [
                MrzProblem(
                    ProblemKind.SHAPE,
                    "lines",
                    f"{fmt} needs {n_lines} lines of {width} characters",
                    f"{fmt} skal ha {n_lines} linjer på {width} tegn",
                )
            ],
        )
    problems: list[MrzProblem] = []
    for number, line in enumerate(lines, start=1):
        bad = sorted(set(line) - MRZ_ALPHABET)
        if bad:
            problems.append(
                MrzProblem(
                    ProblemKind.CHARSET,
                    f"line{number}",
                    f"line {number} has characters outside A-Z, 0-9 and <: {''.join(bad)}",
                    f"linje {number} har tegn utenfor A-Z, 0-9 og <: {''.join(bad)}",
                )
            )
    builder = _Fields(problems, today)
    if fmt is MrzFormat.TD1:
        data = _parse_td1(lines, builder)
    else:
        data = _parse_two_line(lines, fmt, builder)
    return MrzParse(fmt, data, problems)


class _Fields:
    """Collects check-digit outcomes and problems while the format parsers read fields."""

    def __init__(self, problems: list[MrzProblem], today: date | None) -> None:
        self.problems = problems
        self.today = today
        self.checks: dict[str, bool] = {}

    def check(self, name: str, data: str, digit: str) -> None:
        ok = check_digit_is_valid(data, digit)
        self.checks[name] = ok
        if not ok:
            en, nb = _CHECK_NAMES[name]
            self.problems.append(
                MrzProblem(
                    ProblemKind.CHECK_DIGIT,
                    name,
                    f"the check digit of the {en} does not match",
                    f"kontrollsifferet for {nb} stemmer ikke",
                )
            )

    def country(self, name: str, raw: str) -> str:
        code = normalise_code(raw)
        if not is_known_code(raw) or "<" in code:
            label_en, label_nb = (
                ("issuing state", "utstedende stat")
                if name == "issuing_state"
                else ("nationality", "nasjonalitet")
            )
            self.problems.append(
                MrzProblem(
                    ProblemKind.COUNTRY,
                    name,
                    f"{label_en} {raw!r} is not a known country code",
                    f"{label_nb} {raw!r} er ikke en kjent landkode",
                )
            )
        return code

    def date(self, name: str, raw: str, kind: DateKind) -> date | None:
        if kind is DateKind.BIRTH and is_partly_unknown(raw):
            # Allowed by ICAO for unknown day/month; the holder match cannot confirm it.
            return None
        try:
            return resolve_mrz_date(raw, kind, self.today)
        except MrzDateError:
            en, nb = _CHECK_NAMES[name]
            self.problems.append(
                MrzProblem(
                    ProblemKind.DATE,
                    name,
                    f"the {en} {raw!r} is not a calendar date",
                    f"{nb} {raw!r} er ikke en gyldig dato",
                )
            )
            return None

    def sex(self, raw: str) -> str:
        if raw in ("M", "F"):
            return raw
        if raw in ("<", "X"):
            return "X"
        self.problems.append(
            MrzProblem(
                ProblemKind.SEX,
                "sex",
                f"sex {raw!r} is not M, F or <",
                f"kjønn {raw!r} er ikke M, F eller <",
            )
        )
        return raw

    def document_code(self, raw: str, fmt: MrzFormat) -> str:
        allowed = {
            MrzFormat.TD1: "ACI",
            MrzFormat.TD2: "ACIPV",  # older TD2 passports and visas still circulate
            MrzFormat.TD3: "P",
            MrzFormat.MRVA: "V",
            MrzFormat.MRVB: "V",
        }[fmt]
        if raw[0] not in allowed or not (raw[1].isalpha() or raw[1] == "<"):
            self.problems.append(
                MrzProblem(
                    ProblemKind.DOCUMENT_CODE,
                    "document_code",
                    f"document code {raw!r} is not valid for {fmt}",
                    f"dokumentkode {raw!r} er ikke gyldig for {fmt}",
                )
            )
        return raw.rstrip("<")

    def names(self, raw: str) -> tuple[str, str, bool]:
        if any(c.isdigit() for c in raw):
            self.problems.append(
                MrzProblem(
                    ProblemKind.NAME,
                    "names",
                    "the name field contains digits",
                    "navnefeltet inneholder sifre",
                )
            )
        primary, _, secondary = raw.partition("<<")
        # Full to the last position, or to the one before when the cut fell after a whole name
        # (the filler after it cannot tell a cut from a name that just fits).
        may_be_truncated = len(raw.rstrip("<")) >= len(raw) - 1
        return _words(primary), _words(secondary), may_be_truncated


def _words(field: str) -> str:
    return " ".join(part for part in field.split("<") if part)


def _document_number(number: str, digit: str, optional: str) -> tuple[str, str, str, str]:
    """Resolves the long-number overflow of TD1/TD2 (Doc 9303 Part 5 4.2.4 / Part 6 4.2.4).

    When a number exceeds 9 characters, the check-digit position holds `<`, and the optional
    data starts with the rest of the number followed by the number's check digit and a `<`.
    Returns (full number, check digit, the characters the digit covers, remaining optional data).
    """
    if digit == "<" and optional[:1] not in ("", "<"):
        head = optional.split("<", 1)[0]
        if len(head) >= 2:
            rest, check = head[:-1], head[-1]
            full = number + rest
            return full, check, full, optional[len(head) :]
    return number.rstrip("<"), digit, number, optional


def _parse_td1(lines: list[str], f: _Fields) -> MrzData:
    l1, l2, l3 = lines
    code = f.document_code(l1[0:2], MrzFormat.TD1)
    issuing = f.country("issuing_state", l1[2:5])
    number, number_cd, number_field, optional1 = _document_number(l1[5:14], l1[14], l1[15:30])
    f.check("document_number", number_field, number_cd)
    birth_raw, expiry_raw = l2[0:6], l2[8:14]
    f.check("birth_date", birth_raw, l2[6])
    sex = f.sex(l2[7])
    f.check("expiry_date", expiry_raw, l2[14])
    nationality = f.country("nationality", l2[15:18])
    f.check("composite", l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29])
    primary, secondary, truncated = f.names(l3)
    return MrzData(
        doc_format=MrzFormat.TD1,
        document_code=code,
        issuing_state=issuing,
        primary_identifier=primary,
        secondary_identifier=secondary,
        document_number=number,
        nationality=nationality,
        birth_date_raw=birth_raw,
        birth_date=f.date("birth_date", birth_raw, DateKind.BIRTH),
        sex=sex,
        expiry_date_raw=expiry_raw,
        expiry_date=f.date("expiry_date", expiry_raw, DateKind.EXPIRY),
        optional_data=optional1.strip("<"),
        optional_data_2=l2[18:29].strip("<"),
        names_may_be_truncated=truncated,
        check_digits=dict(f.checks),
        lines=tuple(lines),
    )


def _parse_two_line(lines: list[str], fmt: MrzFormat, f: _Fields) -> MrzData:
    l1, l2 = lines
    width = len(l1)
    code = f.document_code(l1[0:2], fmt)
    issuing = f.country("issuing_state", l1[2:5])
    primary, secondary, truncated = f.names(l1[5:width])
    if fmt is MrzFormat.TD2:
        optional_raw = l2[28:35]
        number, number_cd, number_field, optional = _document_number(l2[0:9], l2[9], optional_raw)
    else:
        optional_raw = l2[28:42] if fmt is MrzFormat.TD3 else l2[28:width]
        number, number_cd, number_field = l2[0:9].rstrip("<"), l2[9], l2[0:9]
        optional = optional_raw
    f.check("document_number", number_field, number_cd)
    nationality = f.country("nationality", l2[10:13])
    birth_raw, expiry_raw = l2[13:19], l2[21:27]
    f.check("birth_date", birth_raw, l2[19])
    sex = f.sex(l2[20])
    f.check("expiry_date", expiry_raw, l2[27])
    if fmt is MrzFormat.TD3:
        f.check("optional_data", optional_raw, l2[42])
        f.check("composite", l2[0:10] + l2[13:20] + l2[21:43], l2[43])
    elif fmt is MrzFormat.TD2:
        f.check("composite", l2[0:10] + l2[13:20] + l2[21:35], l2[35])
    return MrzData(
        doc_format=fmt,
        document_code=code,
        issuing_state=issuing,
        primary_identifier=primary,
        secondary_identifier=secondary,
        document_number=number,
        nationality=nationality,
        birth_date_raw=birth_raw,
        birth_date=f.date("birth_date", birth_raw, DateKind.BIRTH),
        sex=sex,
        expiry_date_raw=expiry_raw,
        expiry_date=f.date("expiry_date", expiry_raw, DateKind.EXPIRY),
        optional_data=optional.strip("<"),
        optional_data_2="",
        names_may_be_truncated=truncated,
        check_digits=dict(f.checks),
        lines=tuple(lines),
    )
