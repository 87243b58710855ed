"""MRZ dates (YYMMDD) to calendar dates, with the century resolved from what the date is for.

The MRZ keeps only two year digits. A birth date lies in the past, so the century is the latest
one that puts it on or before today. An expiry date lies within a plausible window around today:
documents are issued for at most about ten years (some residence cards and visas for longer), and
one that expired decades ago is not plausible either, so the year is taken from the 100-year
window reaching `EXPIRY_FUTURE_YEARS` ahead of today.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

# Years ahead of today the expiry window reaches; the window covers 100 years in all.
EXPIRY_FUTURE_YEARS = 50


class DateKind(StrEnum):
    BIRTH = "birth"
    EXPIRY = "expiry"


class MrzDateError(ValueError):
    """The six characters are not a real calendar date (or are partly unknown)."""


def is_partly_unknown(raw: str) -> bool:
    """ICAO 9303 writes unknown parts of a birth date as `<` (e.g. `55<<<<` for only the year)."""
    return len(raw) == 6 and "<" in raw


def resolve_mrz_date(raw: str, kind: DateKind, today: date | None = None) -> date:
    """The calendar date of an MRZ YYMMDD field; raises MrzDateError when it is not one."""
    if len(raw) != 6 or not raw.isdigit():
        raise MrzDateError(f"{raw!r} is not six digits")
    today = today or date.today()
    yy, month, day = int(raw[:2]), int(raw[2:4]), int(raw[4:6])
    if kind is DateKind.BIRTH:
        year = (today.year // 100) * 100 + yy
        if _safe_date(year, month, day, raw) > today:
            year -= 100
    else:
        latest = today.year + EXPIRY_FUTURE_YEARS
        year = (latest // 100) * 100 + yy
        if year > latest:
            year -= 100
    return _safe_date(year, month, day, raw)


def _safe_date(year: int, month: int, day: int, raw: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        # 29 February of a century year may exist in one century and not the other; the
        # callers only ask for the one they mean, so a miss is a genuine non-date.
        raise MrzDateError(f"{raw!r} is not a calendar date ({exc})") from exc
