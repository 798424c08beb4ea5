"""Short codes people read aloud or type on a keypad, each with a check character so
a misread or mistyped code is refused instead of matching another record.

Declaration codes use an alphabet without look-alikes (no 0/O, 1/I/L, U) and the
Damm check character, which catches every single-character error and every
swap of two adjacent characters.
"""

from __future__ import annotations

import secrets

from gateway.text import words

DECLARATION_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
DECLARATION_BODY = 7  # 30**7 ≈ 2·10^10 codes: collisions are rare and retried


# Damm's check over a totally anti-symmetric quasigroup of order 30: the product of
# Damm's order-10 table and x*y = 2x + y (mod 3). Unlike Luhn mod N, which misses
# the swap of the alphabet's first and last characters ('2Z' <-> 'Z2'), it catches
# every single-character error and every swap of two adjacent characters.
_DAMM_10 = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2), (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9), (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8), (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4), (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5), (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def _damm_step(interim: int, value: int) -> int:
    high = _DAMM_10[interim // 3][value // 3]
    low = (2 * (interim % 3) + value % 3) % 3
    return 3 * high + low


def _check(body: str, alphabet: str) -> str:
    interim = 0
    for char in body:
        interim = _damm_step(interim, alphabet.index(char))
    return alphabet[interim]


def new_declaration_code() -> str:
    """A fresh random declaration code: 7 characters and a check character."""
    body = "".join(secrets.choice(DECLARATION_ALPHABET) for _ in range(DECLARATION_BODY))
    return body + _check(body, DECLARATION_ALPHABET)


def parse_declaration_code(text: str) -> str | None:
    """The code in canonical form if `text` is a well-formed declaration code (any
    case, spaces or dashes), else None."""
    code = "".join(words(text)).upper()
    if len(code) != DECLARATION_BODY + 1 or any(c not in DECLARATION_ALPHABET for c in code):
        return None
    return code if _check(code[:-1], DECLARATION_ALPHABET) == code[-1] else None


VENUE_BODY = 6  # 900,000 venues; the 7th digit is the check digit


def _damm_digit(digits: str) -> str:
    interim = 0
    for digit in digits:
        interim = _DAMM_10[interim][int(digit)]
    return str(interim)


def new_venue_code() -> str:
    """A fresh random venue code: 6 digits (not starting with 0) and a Damm check digit."""
    body = str(secrets.choice(range(1, 10))) + "".join(
        str(secrets.randbelow(10)) for _ in range(VENUE_BODY - 1))
    return body + _damm_digit(body)


def parse_venue_code(text: str) -> str | None:
    """The 7-digit venue code in `text` ('1234 567', '123-4567' too) if its check digit
    is right, else None: a typo or a swap of two digits never names another venue."""
    code = "".join(words(text))
    if len(code) != VENUE_BODY + 1 or not code.isdigit():
        return None
    return code if _damm_digit(code[:-1]) == code[-1] else None


# Isolation areas (`KV <code>`) are numbered as venues are: 7 digits, the last a Damm
# check digit, so a mistyped code is refused instead of joining another area.
def new_area_code() -> str:
    """A fresh random isolation-area code (the form of a venue code)."""
    return new_venue_code()


def parse_area_code(text: str) -> str | None:
    """The 7-digit area code in `text` if its check digit is right, else None."""
    return parse_venue_code(text)
