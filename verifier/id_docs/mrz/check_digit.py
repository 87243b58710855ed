"""ICAO Doc 9303 Part 3 check digits: weights 7, 3, 1 over digit/letter values, modulo 10."""

from __future__ import annotations

_WEIGHTS = (7, 3, 1)


def char_value(char: str) -> int:
    """0-9 for digits, A=10 .. Z=35, 0 for the filler `<`."""
    if char.isdigit():
        return ord(char) - 48
    if "A" <= char <= "Z":
        return ord(char) - 55
    if char == "<":
        return 0
    raise ValueError(f"{char!r} is not an MRZ character")


def compute_check_digit(field: str) -> str:
    return str(sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(field)) % 10)


def is_valid(field: str, check: str) -> bool:
    """True when `check` is the check digit of `field` (a `<` check digit stands for 0)."""
    try:
        expected = compute_check_digit(field)
    except ValueError:
        return False
    return check == expected or (check == "<" and expected == "0")
