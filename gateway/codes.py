"""Short codes people read aloud or type on a keypad, each with a check character so
a misread or mistyped code is refused instead of matching another record.

Declaration codes use an alphabet without look-alikes (no 0/O, 1/I/L, U) and the
Luhn mod N check character, which catches every single-character error and every
swap of two adjacent characters.
"""

from __future__ import annotations

import secrets

from gateway.text import words

DECLARATION_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
DECLARATION_BODY = 7  # 30**7 ≈ 2·10^10 codes: collisions are rare and retried


def _luhn_check(body: str, alphabet: str) -> str:
    n = len(alphabet)
    total, factor = 0, 2
    for char in reversed(body):
        addend = factor * alphabet.index(char)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return alphabet[(n - total % n) % n]


def new_declaration_code() -> str:
    """A fresh random declaration code: 7 characters and a check character."""
    body = "".join(secrets.choice(DECLARATION_ALPHABET) for _ in range(DECLARATION_BODY))
    return body + _luhn_check(body, DECLARATION_ALPHABET)


def parse_declaration_code(text: str) -> str | None:
    """The code in canonical form if `text` is a well-formed declaration code (any
    case, spaces or dashes), else None."""
    code = "".join(words(text)).upper()
    if len(code) != DECLARATION_BODY + 1 or any(c not in DECLARATION_ALPHABET for c in code):
        return None
    return code if _luhn_check(code[:-1], DECLARATION_ALPHABET) == code[-1] else None
