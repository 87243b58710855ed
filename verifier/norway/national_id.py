"""Norwegian national identity numbers: fødselsnummer and D-number.

Eleven digits DDMMYY III K1 K2 (Skatteetaten, Folkeregisteret):
- K1 and K2 are mod-11 control digits (weights 3 7 6 1 8 9 4 5 2 and 5 4 3 2 7 6 5 4 3 2); a
  remainder that would give the digit 10 makes the number invalid.
- The individual number III fixes the century together with the two year digits.
- The last digit of III is odd for men and even for women.
- D-numbers (foreign workers and others without a fødselsnummer) add 4 to the first digit
  (day + 40).
- H-numbers (month + 40) are temporary help numbers used inside the health service, not identity
  numbers an employer can hold: rejected. NAV's synthetic test numbers also use month + 40.
- Skatteetaten's synthetic test numbers (Tenor test data) add 80 to the month: rejected, so test
  data cannot pass as a real person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

_K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


class NationalIdKind(StrEnum):
    FODSELSNUMMER = "fodselsnummer"
    D_NUMBER = "d_number"


class NationalIdErrorCode(StrEnum):
    FORMAT = "format"
    CONTROL_DIGIT_1 = "control_digit_1"
    CONTROL_DIGIT_2 = "control_digit_2"
    H_NUMBER = "h_number"
    SYNTHETIC = "synthetic"
    INDIVIDUAL_NUMBER = "individual_number"
    DATE = "date"


_MESSAGES: dict[NationalIdErrorCode, tuple[str, str]] = {
    NationalIdErrorCode.FORMAT: (
        "A Norwegian national identity number has exactly 11 digits.",
        "Et norsk fødselsnummer eller D-nummer har nøyaktig 11 sifre.",
    ),
    NationalIdErrorCode.CONTROL_DIGIT_1: (
        "The first control digit (digit 10) is wrong: the number is mistyped.",
        "Første kontrollsiffer (siffer 10) er feil: nummeret er skrevet feil.",
    ),
    NationalIdErrorCode.CONTROL_DIGIT_2: (
        "The second control digit (digit 11) is wrong: the number is mistyped.",
        "Andre kontrollsiffer (siffer 11) er feil: nummeret er skrevet feil.",
    ),
    NationalIdErrorCode.H_NUMBER: (
        "This is an H-number (month + 40), a temporary number used in the health service, "
        "or a synthetic test number. Use the person's fødselsnummer or D-number.",
        "Dette er et H-nummer (måned + 40), et midlertidig nummer i helsetjenesten, eller et "
        "syntetisk testnummer. Bruk personens fødselsnummer eller D-nummer.",
    ),
    NationalIdErrorCode.SYNTHETIC: (
        "This is a synthetic test number (month + 80, Skatteetaten's test data), not a real "
        "person's number.",
        "Dette er et syntetisk testnummer (måned + 80, Skatteetatens testdata), ikke en ekte "
        "persons nummer.",
    ),
    NationalIdErrorCode.INDIVIDUAL_NUMBER: (
        "The individual number (digits 7-9) does not fit the year of birth.",
        "Individnummeret (siffer 7-9) passer ikke med fødselsåret.",
    ),
    NationalIdErrorCode.DATE: (
        "The first six digits are not a valid date of birth.",
        "De seks første sifrene er ikke en gyldig fødselsdato.",
    ),
}


class NationalIdError(ValueError):
    """A number that is not a valid fødselsnummer or D-number, with the reason."""

    def __init__(self, code: NationalIdErrorCode) -> None:
        self.code = code
        self.message_en, self.message_nb = _MESSAGES[code]
        super().__init__(f"{code}: {self.message_en}")


@dataclass(frozen=True)
class NorwegianId:
    number: str
    kind: NationalIdKind
    birth_date: date
    sex: str  # "M" or "F"


def control_digits(first_nine: str) -> tuple[int, int] | None:
    """K1 and K2 for the first nine digits, or None when a remainder makes them impossible."""
    digits = [int(c) for c in first_nine]
    k1 = _mod11_digit(digits, _K1_WEIGHTS)
    if k1 is None:
        return None
    k2 = _mod11_digit([*digits, k1], _K2_WEIGHTS)
    if k2 is None:
        return None
    return k1, k2


def _mod11_digit(digits: list[int], weights: tuple[int, ...]) -> int | None:
    remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    digit = (11 - remainder) % 11
    return None if digit == 10 else digit


def century_year(yy: int, individual: int) -> int | None:
    """The full year of birth from the two year digits and the individual number."""
    if individual <= 499:
        return 1900 + yy
    if individual <= 749 and yy >= 54:
        return 1800 + yy
    if yy <= 39:
        return 2000 + yy
    if individual >= 900:
        return 1900 + yy
    return None


def parse_norwegian_id(number: str, *, today: date | None = None) -> NorwegianId:
    """Validates a fødselsnummer or D-number; raises NationalIdError with the reason."""
    digits = number.replace(" ", "").strip()
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        raise NationalIdError(NationalIdErrorCode.FORMAT)
    k1 = _mod11_digit([int(c) for c in digits[:9]], _K1_WEIGHTS)
    if k1 is None or k1 != int(digits[9]):
        raise NationalIdError(NationalIdErrorCode.CONTROL_DIGIT_1)
    k2 = _mod11_digit([int(c) for c in digits[:10]], _K2_WEIGHTS)
    if k2 is None or k2 != int(digits[10]):
        raise NationalIdError(NationalIdErrorCode.CONTROL_DIGIT_2)

    day, month, yy = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    individual = int(digits[6:9])
    kind = NationalIdKind.FODSELSNUMMER
    if day > 40:
        kind = NationalIdKind.D_NUMBER
        day -= 40
    if month > 80:
        raise NationalIdError(NationalIdErrorCode.SYNTHETIC)
    if month > 40:
        raise NationalIdError(NationalIdErrorCode.H_NUMBER)
    year = century_year(yy, individual)
    if year is None:
        raise NationalIdError(NationalIdErrorCode.INDIVIDUAL_NUMBER)
    try:
        birth = date(year, month, day)
    except ValueError as exc:
        raise NationalIdError(NationalIdErrorCode.DATE) from exc
    if birth > (today or date.today()):
        raise NationalIdError(NationalIdErrorCode.DATE)
    sex = "M" if int(digits[8]) % 2 else "F"
    return NorwegianId(digits, kind, birth, sex)


def is_valid_norwegian_id(number: str) -> bool:
    try:
        parse_norwegian_id(number)
    except NationalIdError:
        return False
    return True
