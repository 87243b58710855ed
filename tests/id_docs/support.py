"""Test helpers: MRZ lines and Norwegian numbers built from fields by the published algorithms.

Written independently of the code under test (its own 7-3-1 and mod-11 sums), so a test that
builds a valid MRZ here and parses it there checks the parser against the specification.
"""

from __future__ import annotations

from datetime import date

ICAO_TD3 = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]
ICAO_TD1 = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]
ICAO_TD2 = [
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
]
ICAO_MRVA = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
]
ICAO_MRVB = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "L8988901C4XXX4009078F9612109<<<<<<<<",
]


def check_digit(field: str) -> str:
    weights = (7, 3, 1)
    total = 0
    for i, char in enumerate(field):
        if char.isdigit():
            value = int(char)
        elif char == "<":
            value = 0
        else:
            value = ord(char) - ord("A") + 10
        total += value * weights[i % 3]
    return str(total % 10)


def pad(text: str, width: int) -> str:
    assert len(text) <= width, (text, width)
    return text + "<" * (width - len(text))


def name_field(surname: str, given: str, width: int) -> str:
    return pad((surname + "<<" + given)[:width], width)


def td3(
    *,
    surname: str = "HANSEN",
    given: str = "OLA",
    number: str = "FH1234567",
    state: str = "NOR",
    nationality: str = "NOR",
    birth: str = "850517",
    sex: str = "M",
    expiry: str = "320101",
    personal: str = "",
    code: str = "P<",
) -> list[str]:
    line1 = code + state + name_field(surname, given, 39)
    num = pad(number, 9)
    pers = pad(personal, 14)
    pers_cd = check_digit(pers) if personal else "<"
    part = num + check_digit(num)
    line2 = (
        part
        + nationality
        + birth
        + check_digit(birth)
        + sex
        + expiry
        + check_digit(expiry)
        + pers
        + pers_cd
    )
    composite = check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    return [line1, line2 + composite]


def td1(
    *,
    surname: str = "NORDMANN",
    given: str = "KARI",
    number: str = "ABC123456",
    state: str = "NOR",
    nationality: str = "NOR",
    birth: str = "900228",
    sex: str = "F",
    expiry: str = "300615",
    optional1: str = "",
    optional2: str = "",
    code: str = "ID",
) -> list[str]:
    if len(number) > 9:
        head, rest = number[:9], number[9:]
        line1 = code + state + head + "<" + pad(rest + check_digit(number) + optional1, 15)
    else:
        num = pad(number, 9)
        line1 = code + state + num + check_digit(num) + pad(optional1, 15)
    opt2 = pad(optional2, 11)
    line2 = birth + check_digit(birth) + sex + expiry + check_digit(expiry) + nationality + opt2
    composite = check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    return [line1, line2 + composite, name_field(surname, given, 30)]


def td2(
    *,
    surname: str = "NORDMANN",
    given: str = "KARI",
    number: str = "ABC123456",
    state: str = "NOR",
    nationality: str = "NOR",
    birth: str = "900228",
    sex: str = "F",
    expiry: str = "300615",
    optional: str = "",
    code: str = "I<",
) -> list[str]:
    line1 = code + state + name_field(surname, given, 31)
    if len(number) > 9:
        part = number[:9] + "<"
        opt = pad(number[9:] + check_digit(number) + optional, 7)
    else:
        num = pad(number, 9)
        part = num + check_digit(num)
        opt = pad(optional, 7)
    line2 = part + nationality + birth + check_digit(birth) + sex + expiry + check_digit(expiry)
    line2 += opt
    composite = check_digit(line2[0:10] + line2[13:20] + line2[21:35])
    return [line1, line2 + composite]


# Norwegian national identity numbers.
_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _mod11(digits: str, weights: tuple[int, ...]) -> int | None:
    rest = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    if rest == 11:
        return 0
    return None if rest == 10 else rest


def with_control_digits(first_nine: str) -> str | None:
    k1 = _mod11(first_nine, _K1)
    if k1 is None:
        return None
    k2 = _mod11(first_nine + str(k1), _K2)
    if k2 is None:
        return None
    return f"{first_nine}{k1}{k2}"


def make_national_id(
    birth: date, individual: int, *, day_offset: int = 0, month_offset: int = 0
) -> str | None:
    """A number for this date and individual number, or None if no control digits exist."""
    first = (
        f"{birth.day + day_offset:02d}{birth.month + month_offset:02d}{birth.year % 100:02d}"
        f"{individual:03d}"
    )
    return with_control_digits(first)


def first_valid_national_id(
    birth: date, individuals: range, *, day_offset: int = 0, month_offset: int = 0
) -> str:
    for individual in individuals:
        number = make_national_id(
            birth, individual, day_offset=day_offset, month_offset=month_offset
        )
        if number is not None:
            return number
    raise AssertionError("no individual number in range has control digits")


def make_org_number(first_eight: str) -> str | None:
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    rest = 11 - sum(int(d) * w for d, w in zip(first_eight, weights, strict=True)) % 11
    if rest == 11:
        rest = 0
    return None if rest == 10 else first_eight + str(rest)


# The French identity card of 1988-2021 (not ICAO TD2): published specimens.
FRENCH_CARD_BERTHIER = [
    "IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<",
    "8806923102858CORINNE<<<<<<<6512068F6",
]
FRENCH_CARD_DOUEL = [
    "IDFRADOUEL<<<<<<<<<<<<<<<<<<<<932013",
    "0506932020438CHRISTIANE<<NI2906209F3",
]


def french_card(
    *,
    surname: str = "MARTIN",
    given: str = "CAMILLE",
    issued: str = "1503",
    department: str = "750",
    sequence: str = "12345",
    birth: str = "900228",
    sex: str = "F",
    office: str = "750012",
) -> list[str]:
    """Line 1: IDFRA, surname (25), office (6). Line 2: card number (issue YYMM, department,
    sequence), its check digit, given names (14), birth date and check, sex, and a check digit
    over line 1 and line 2 up to the sex."""
    line1 = "IDFRA" + pad(surname, 25) + pad(office, 6)
    number = issued + department + sequence
    line2 = number + check_digit(number) + pad(given, 14) + birth + check_digit(birth) + sex
    return [line1, line2 + check_digit(line1 + line2)]
