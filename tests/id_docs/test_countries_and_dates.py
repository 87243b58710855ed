"""Country codes (ISO 3166-1 alpha-3 + ICAO specials) and MRZ dates with the century resolved."""

from __future__ import annotations

from datetime import date

import pytest

from verifier.id_docs.mrz.countries import (
    ICAO_SPECIAL_CODES,
    ISO_3166_ALPHA3,
    is_known_code,
    is_specimen_code,
    normalise_code,
)
from verifier.id_docs.mrz.dates import (
    DateKind,
    MrzDateError,
    is_partly_unknown,
    resolve_mrz_date,
)


def test_iso_list_is_complete_and_well_formed() -> None:
    assert len(ISO_3166_ALPHA3) == 249
    assert all(len(c) == 3 and c.isalpha() and c.isupper() for c in ISO_3166_ALPHA3)


@pytest.mark.parametrize(
    "code",
    [
        "NOR",
        "SWE",
        "DNK",
        "FIN",
        "ISL",
        "POL",
        "LTU",
        "LVA",
        "EST",
        "UKR",
        "ROU",
        "BGR",
        "DEU",
        "GBR",
        "USA",
        "ESP",
        "PRT",
        "PHL",
        "SSD",
        "BES",
        "CUW",
        "SXM",
        "ALA",
        "ATA",
    ],
)
def test_iso_codes_are_known(code: str) -> None:
    assert is_known_code(code)


@pytest.mark.parametrize(
    "field",
    [
        "D<<",
        "GBD",
        "GBN",
        "GBO",
        "GBP",
        "GBS",
        "UNO",
        "UNA",
        "UNK",
        "XXA",
        "XXB",
        "XXC",
        "XXX",
        "EUE",
        "RKS",
        "XPO",
        "XOM",
    ],
)
def test_icao_special_codes_are_known(field: str) -> None:
    assert is_known_code(field)
    assert normalise_code(field) in ICAO_SPECIAL_CODES


@pytest.mark.parametrize("field", ["ZZZ", "NO<", "DE<", "BDR", "SI<", "<<<", "ABC", "EU<"])
def test_unknown_codes(field: str) -> None:
    assert not is_known_code(field)


def test_specimen_state_is_known_only_when_allowed() -> None:
    assert is_known_code("UTO")
    assert not is_known_code("UTO", allow_specimen=False)
    assert is_specimen_code("UTO") and not is_specimen_code("NOR")


def test_padding_is_stripped() -> None:
    assert normalise_code("D<<") == "D"
    assert normalise_code("NOR") == "NOR"


TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("740812", date(1974, 8, 12)),
        ("000229", date(2000, 2, 29)),
        ("260601", date(2026, 6, 1)),  # born today
        ("260602", date(1926, 6, 2)),  # tomorrow in 2026 is impossible: a centenarian
        ("991231", date(1999, 12, 31)),
        ("100101", date(2010, 1, 1)),
    ],
)
def test_birth_dates_lie_in_the_past(raw: str, expected: date) -> None:
    assert resolve_mrz_date(raw, DateKind.BIRTH, TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("120415", date(2012, 4, 15)),  # expired long ago
        ("310101", date(2031, 1, 1)),
        ("760601", date(2076, 6, 1)),  # the far end of the window
        ("770101", date(1977, 1, 1)),  # beyond it: the last century
        ("961210", date(1996, 12, 10)),
    ],
)
def test_expiry_dates_lie_in_a_window_around_today(raw: str, expected: date) -> None:
    assert resolve_mrz_date(raw, DateKind.EXPIRY, TODAY) == expected


@pytest.mark.parametrize(
    "raw", ["741301", "740230", "740000", "7408", "74O812", "<<<<<<", "010229"]
)
def test_non_dates_are_rejected(raw: str) -> None:
    with pytest.raises(MrzDateError):
        resolve_mrz_date(raw, DateKind.EXPIRY, TODAY)


def test_partly_unknown_birth_dates() -> None:
    assert is_partly_unknown("74<<<<")
    assert not is_partly_unknown("740812")
