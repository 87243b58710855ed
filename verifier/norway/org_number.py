"""Norwegian organisation numbers (Enhetsregisteret): 9 digits, the last a mod-11 control digit.

Weights 3 2 7 6 5 4 3 2 over the first eight digits; control = 11 - (sum mod 11), 11 -> 0, and a
result of 10 never occurs in an issued number. Brønnøysundregistrene issues numbers starting with
8 or 9.
"""

from __future__ import annotations

from enum import StrEnum

_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


class OrgNumberErrorCode(StrEnum):
    FORMAT = "format"
    FIRST_DIGIT = "first_digit"
    CONTROL_DIGIT = "control_digit"


_MESSAGES: dict[OrgNumberErrorCode, tuple[str, str]] = {
    OrgNumberErrorCode.FORMAT: (
        "An organisation number has exactly 9 digits.",
        "Et organisasjonsnummer har nøyaktig 9 sifre.",
    ),
    OrgNumberErrorCode.FIRST_DIGIT: (
        "Norwegian organisation numbers start with 8 or 9.",
        "Norske organisasjonsnumre begynner med 8 eller 9.",
    ),
    OrgNumberErrorCode.CONTROL_DIGIT: (
        "The control digit (the last digit) is wrong: the number is mistyped.",
        "Kontrollsifferet (siste siffer) er feil: nummeret er skrevet feil.",
    ),
}


class OrgNumberError(ValueError):
    def __init__(self, code: OrgNumberErrorCode) -> None:
        self.code = code
        self.message_en, self.message_nb = _MESSAGES[code]
        super().__init__(f"{code}: {self.message_en}")


def org_control_digit(first_eight: str) -> int | None:
    """The control digit for eight digits, or None when none exists (remainder gives 10)."""
    remainder = sum(int(c) * w for c, w in zip(first_eight, _WEIGHTS, strict=True)) % 11
    digit = (11 - remainder) % 11
    return None if digit == 10 else digit


def normalise_org_number(number: str) -> str:
    """Validates and returns the nine digits (spaces allowed: `974 760 673`); raises otherwise."""
    digits = number.replace(" ", "").strip()
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        raise OrgNumberError(OrgNumberErrorCode.FORMAT)
    if digits[0] not in "89":
        raise OrgNumberError(OrgNumberErrorCode.FIRST_DIGIT)
    if org_control_digit(digits[:8]) != int(digits[8]):
        raise OrgNumberError(OrgNumberErrorCode.CONTROL_DIGIT)
    return digits


def is_valid_org_number(number: str) -> bool:
    try:
        normalise_org_number(number)
    except OrgNumberError:
        return False
    return True
