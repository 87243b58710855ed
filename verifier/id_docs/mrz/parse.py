"""Machine readable zones: parse TD1, TD2, TD3, MRV-A, MRV-B (ICAO Doc 9303) and the French
national identity card of 1988-2021, and validate them.

`parse_mrz(lines)` never raises on bad input: it returns an `MrzParse` holding the fields it
could read and every problem found (wrong length, characters outside A-Z 0-9 <, a check digit
that does not match, an unknown country code, an impossible date, an unknown sex marker). The
MRZ reader uses `.valid` and the problem count to choose between OCR candidates, so the
function is pure and fast.

Field positions, characters and check-digit groups come from the one table in `layout.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from verifier.id_docs.mrz.check_digit import is_valid as check_digit_is_valid
from verifier.id_docs.mrz.countries import is_known_code, is_specimen_code, normalise_code
from verifier.id_docs.mrz.dates import (
    DateKind,
    MrzDateError,
    is_partly_unknown,
    resolve_mrz_date,
)
from verifier.id_docs.mrz.layout import (
    LINE_SHAPE,
    MRZ_ALPHABET,
    VISA_OF_SHAPE,
    Layout,
    MrzFormat,
    is_french_card,
    layout_for,
)

__all__ = [
    "LINE_SHAPE",
    "MRZ_ALPHABET",
    "MrzData",
    "MrzFormat",
    "MrzParse",
    "MrzProblem",
    "ProblemKind",
    "check_name",
    "detect_format",
    "parse_mrz",
]


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
    "issue_month": ("month of issue", "utstedelsesmåned"),
}


def check_name(name: str) -> tuple[str, str]:
    """A check group's name for messages, (English, bokmål)."""
    return _CHECK_NAMES.get(name, (name, name))


def detect_format(lines: list[str]) -> MrzFormat | None:
    """The format from the number and length of lines (and `V` for visas); None if none fits."""
    shape = (len(lines), len(lines[0]) if lines else 0)
    if any(len(line) != shape[1] for line in lines):
        return None
    is_visa = bool(lines) and lines[0][:1] == "V"
    if shape == (3, 30):
        return MrzFormat.TD1
    if shape == (2, 36):
        if is_french_card(lines):
            return MrzFormat.FRA_ID
        return MrzFormat.MRVB if is_visa else MrzFormat.TD2
    if shape == (2, 44):
        return MrzFormat.MRVA if is_visa else MrzFormat.TD3
    return None


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
        fmt = VISA_OF_SHAPE.get(fmt, fmt)
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
    layout = layout_for(fmt)
    if fmt is MrzFormat.FRA_ID:
        data = _parse_french_card(lines, layout, builder)
    else:
        data = _parse_icao(lines, layout, builder)
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

    def issue_month(self, raw: str) -> date | None:
        """The French card's YYMM month of issue (cards were issued from 1988 to 2021)."""
        if raw.isdigit() and 1 <= int(raw[2:]) <= 12:
            year = int(raw[:2])
            return date(1900 + year if year >= 88 else 2000 + year, int(raw[2:]), 1)
        en, nb = _CHECK_NAMES["issue_month"]
        self.problems.append(
            MrzProblem(
                ProblemKind.DATE,
                "issue_month",
                f"the {en} {raw!r} is not a year and month",
                f"{nb} {raw!r} er ikke et år og en måned",
            )
        )
        return None

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
            MrzFormat.FRA_ID: "I",
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


def _run_checks(lines: list[str], layout: Layout, f: _Fields, number: tuple[str, str]) -> None:
    """Every check digit of the layout, in the table's order; `number` is the document number's
    (covered text, digit), which the TD1/TD2 overflow can move out of its field."""
    for name, covered, check in layout.checks:
        if name == "document_number":
            f.check(name, *number)
        else:
            f.check(
                name, "".join(layout.text(lines, c) for c in covered), layout.text(lines, check)
            )


def _parse_icao(lines: list[str], layout: Layout, f: _Fields) -> MrzData:
    fmt = layout.doc_format

    def text(name: str) -> str:
        return layout.text(lines, name)

    code = f.document_code(text("document_code"), fmt)
    issuing = f.country("issuing_state", text("issuing_state"))
    primary, secondary, truncated = f.names(text("names"))
    if fmt in (MrzFormat.TD1, MrzFormat.TD2):
        number, number_cd, number_field, optional = _document_number(
            text("document_number"), text("document_number_check"), text("optional_data")
        )
    else:
        number_field, number_cd = text("document_number"), text("document_number_check")
        number, optional = number_field.rstrip("<"), text("optional_data")
    _run_checks(lines, layout, f, (number_field, number_cd))
    nationality = f.country("nationality", text("nationality"))
    sex = f.sex(text("sex"))
    birth_raw, expiry_raw = text("birth_date"), text("expiry_date")
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
        optional_data_2=text("optional_data_2").strip("<") if fmt is MrzFormat.TD1 else "",
        names_may_be_truncated=truncated,
        check_digits=dict(f.checks),
        lines=tuple(lines),
    )


# The French card's validity (décret 2013-1188): 15 years for a card issued to an adult from
# 2004 on, 10 years otherwise. The MRZ holds only the month of issue, so the expiry is counted
# from the first day of that month: at most a month early, never late.
_FRENCH_CARD_YEARS_ADULT_FROM_2004 = 15
_FRENCH_CARD_YEARS = 10


def _french_card_expiry(issued: date | None, birth: date | None) -> date | None:
    if issued is None:
        return None
    adult = (
        birth is not None
        and (issued.year - birth.year) - ((issued.month, 1) < (birth.month, birth.day)) >= 18
    )
    years = (
        _FRENCH_CARD_YEARS_ADULT_FROM_2004 if adult and issued.year >= 2004 else _FRENCH_CARD_YEARS
    )
    return issued.replace(year=issued.year + years)


def _parse_french_card(lines: list[str], layout: Layout, f: _Fields) -> MrzData:
    def text(name: str) -> str:
        return layout.text(lines, name)

    code = f.document_code(text("document_code"), MrzFormat.FRA_ID)
    issuing = f.country("issuing_state", text("issuing_state"))
    surname = text("primary_name")
    given = text("given_names")
    f.names(surname + "<<" + given)  # only for the digits check: the names are two fields here
    number_field = text("issue_month") + text("card_number")
    _run_checks(lines, layout, f, (number_field, text("document_number_check")))
    sex = f.sex(text("sex"))
    birth_raw = text("birth_date")
    birth = f.date("birth_date", birth_raw, DateKind.BIRTH)
    issued = f.issue_month(text("issue_month"))
    return MrzData(
        doc_format=MrzFormat.FRA_ID,
        document_code=code,
        issuing_state=issuing,
        primary_identifier=_words(surname),
        secondary_identifier=_words(given),
        document_number=number_field.rstrip("<"),
        # The card is issued to French citizens only; its MRZ has no nationality field.
        nationality=issuing,
        birth_date_raw=birth_raw,
        birth_date=birth,
        sex=sex,
        expiry_date_raw="",
        expiry_date=_french_card_expiry(issued, birth),
        optional_data=text("issuing_office").strip("<"),
        optional_data_2="",
        names_may_be_truncated=len(surname.rstrip("<")) >= len(surname) - 1
        or len(given.rstrip("<")) >= len(given) - 1,
        check_digits=dict(f.checks),
        lines=tuple(lines),
    )
