"""Names as the MRZ writes them (ICAO Doc 9303 Part 3, section 6) and comparison with a record.

The MRZ holds only A-Z and `<`. National characters are transliterated (Æ→AE, Ø→OE, Å→AA,
Ä→AE, Ö→OE, Ü→UE, ß→SS, Þ→TH ...), other diacritics are dropped (É→E), spaces and hyphens
become `<`, apostrophes are omitted. States differ in practice (some write Ä as A, Å as A, or an
apostrophe as `<`), so the comparison accepts each of those spellings. Long names are truncated
at the end of the name field, sometimes to initials; the parser reports when the field is full,
and only then is a shortened name accepted.
"""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

# Each character's spellings, ICAO's recommended one first.
_TRANSLITERATIONS: dict[str, tuple[str, ...]] = {
    "Æ": ("AE",),
    "Ø": ("OE", "O"),
    "Å": ("AA", "A"),
    "Ä": ("AE", "A"),
    "Ö": ("OE", "O"),
    "Ü": ("UE", "U"),
    "ß": ("SS",),
    "ẞ": ("SS",),
    "Þ": ("TH",),
    "Ð": ("D",),
    "Đ": ("D",),
    "Œ": ("OE",),
    "Ĳ": ("IJ",),
    "Ł": ("L",),
    "Ħ": ("H",),
    "Ŋ": ("N",),
    "İ": ("I",),
    "ı": ("I",),
    "'": ("", "<"),
    "’": ("", "<"),
    "`": ("", "<"),
    "-": ("<",),
    " ": ("<",),
    ",": ("",),
    ".": ("",),
}

_MAX_VARIANTS = 64


def _spellings(char: str) -> tuple[str, ...]:
    upper = char.upper()
    if char in _TRANSLITERATIONS:
        return _TRANSLITERATIONS[char]
    if upper in _TRANSLITERATIONS:
        return _TRANSLITERATIONS[upper]
    if "A" <= upper <= "Z" or upper == "<":
        return (upper,)
    # Decompose (É -> E + combining accent) and keep the base letters only.
    base = "".join(c for c in unicodedata.normalize("NFKD", upper) if "A" <= c <= "Z")
    return (base,)


def _squeeze(text: str) -> str:
    """Collapses filler runs (a hyphen next to a space must not make `<<`, the name separator)."""
    while "<<" in text:
        text = text.replace("<<", "<")
    return text.strip("<")


def transliterate(name: str) -> str:
    """The MRZ spelling ICAO recommends: `Øyvind Åsmund-Lie` -> `OEYVIND<AASMUND<LIE`."""
    return _squeeze("".join(_spellings(c)[0] for c in name))


def spellings(name: str) -> set[str]:
    """Every MRZ spelling the name may have across issuing states (bounded in number)."""
    options = [_spellings(c) for c in name]
    variants: set[str] = set()
    for combo in itertools.islice(itertools.product(*options), _MAX_VARIANTS):
        variants.add(_squeeze("".join(combo)))
    variants.add(transliterate(name))
    return variants


class NameMatch(StrEnum):
    EXACT = "exact"
    TRUNCATED = "truncated"  # the MRZ holds a shortened form, as ICAO allows for a full field
    PARTIAL = "partial"  # surname matches; given names differ by whole names (a middle name)
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class NameComparison:
    match: NameMatch
    mrz_name: str  # as in the MRZ: SURNAME<<GIVEN<NAMES
    record_name: str  # the record's names in the same form


def written_name(mrz_name: str) -> str:
    """An MRZ name (SURNAME<<GIVEN<NAMES) the way people write it: "Given Names Surname"."""
    surname, _, given = mrz_name.partition("<<")

    def words(part: str) -> str:
        return " ".join(w.capitalize() for w in _words(part))

    return " ".join(p for p in (words(given), words(surname)) if p)


def _words(mrz_part: str) -> list[str]:
    return [w for w in mrz_part.replace(" ", "<").split("<") if w]


def _truncation_of(mrz_words: list[str], full_words: list[str]) -> bool:
    """ICAO truncation: fewer names, the last cut short, or names cut to initials."""
    if not mrz_words or len(mrz_words) > len(full_words):
        return False
    return all(full.startswith(part) for part, full in zip(mrz_words, full_words, strict=False))


def compare_names(
    mrz_primary: str,
    mrz_secondary: str,
    surname: str,
    given_names: str,
    *,
    may_be_truncated: bool,
) -> NameComparison:
    """Compares MRZ identifiers with a record's surname and given names (any spelling)."""
    mrz_surname, mrz_given = _words(mrz_primary), _words(mrz_secondary)
    mrz_name = "<".join(mrz_surname) + "<<" + "<".join(mrz_given)
    record_name = transliterate(surname) + "<<" + transliterate(given_names)
    best = NameMatch.MISMATCH
    for sur_spelling in spellings(surname):
        sur_words = _words(sur_spelling)
        for given_spelling in spellings(given_names):
            given_words = _words(given_spelling)
            found = _match(mrz_surname, mrz_given, sur_words, given_words, may_be_truncated)
            if found is NameMatch.EXACT:
                return NameComparison(found, mrz_name, record_name)
            if _RANK[found] > _RANK[best]:
                best = found
    return NameComparison(best, mrz_name, record_name)


_RANK = {NameMatch.MISMATCH: 0, NameMatch.PARTIAL: 1, NameMatch.TRUNCATED: 2, NameMatch.EXACT: 3}


def _match(
    mrz_surname: list[str],
    mrz_given: list[str],
    surname: list[str],
    given: list[str],
    may_be_truncated: bool,
) -> NameMatch:
    if mrz_surname == surname and mrz_given == given:
        return NameMatch.EXACT
    if may_be_truncated:
        if mrz_surname == surname and _truncation_of(mrz_given, given):
            return NameMatch.TRUNCATED
        # A surname so long that the given names were cut off entirely (or it was cut itself).
        if not mrz_given and "<".join(surname).startswith("<".join(mrz_surname)) and mrz_surname:
            return NameMatch.TRUNCATED
    if mrz_surname == surname and mrz_given and given:
        mrz_set, record_set = set(mrz_given), set(given)
        if mrz_set <= record_set or record_set <= mrz_set:
            return NameMatch.PARTIAL
    return NameMatch.MISMATCH
