"""Declaration codes: read aloud or typed on a keypad, so every single-character error
and every swap of two adjacent characters must be refused, never read as another
code. Checked exhaustively over seeded random codes and every pair of characters, and
property-based with hypothesis."""

import random
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.codes import (
    DECLARATION_ALPHABET,
    DECLARATION_BODY,
    new_declaration_code,
    parse_declaration_code,
)

ALPHABET = DECLARATION_ALPHABET
LOOK_ALIKES = "0O1ILU"
CODE_LENGTH = 8
RANDOM_CODES = 300


def complete(body: str) -> str:
    """The valid code for a 7-character body: the one check character the parser
    accepts after it."""
    accepted = [body + c for c in ALPHABET if parse_declaration_code(body + c)]
    assert len(accepted) == 1, f"{body}: {accepted}"
    return accepted[0]


def random_codes(count: int, seed: int = 2025) -> list[str]:
    rng = random.Random(seed)
    return [complete("".join(rng.choice(ALPHABET) for _ in range(DECLARATION_BODY)))
            for _ in range(count)]


def substitutions(code: str) -> list[str]:
    """Every code with one character replaced by another of the alphabet."""
    return [code[:i] + c + code[i + 1:]
            for i in range(len(code)) for c in ALPHABET if c != code[i]]


def transpositions(code: str) -> list[str]:
    """Every code with two adjacent, different characters swapped."""
    return [code[:i] + code[i + 1] + code[i] + code[i + 2:]
            for i in range(len(code) - 1) if code[i] != code[i + 1]]


def test_alphabet_has_no_look_alikes():
    assert len(ALPHABET) == len(set(ALPHABET)) == 30
    assert not set(LOOK_ALIKES) & set(ALPHABET)
    assert set(ALPHABET) <= set("23456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert DECLARATION_BODY + 1 == CODE_LENGTH


def test_fresh_codes_are_well_formed_and_parse_back():
    codes = [new_declaration_code() for _ in range(200)]
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(ALPHABET)
        assert parse_declaration_code(code) == code
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize("spelling", [
    str.lower,
    lambda code: f"{code[:4]}-{code[4:]}",
    lambda code: f"{code[:4]}-{code[4:]}".lower(),
    lambda code: " ".join(code[i:i + 2] for i in range(0, CODE_LENGTH, 2)),
    lambda code: f"  {code}. ",
    lambda code: "-".join(code),
])
def test_case_spaces_and_dashes_are_accepted(spelling):
    for code in random_codes(20):
        assert parse_declaration_code(spelling(code)) == code


def test_every_body_has_exactly_one_check_character():
    # complete() asserts it; a body with no or two check characters would fail here.
    assert len(random_codes(RANDOM_CODES)) == RANDOM_CODES


def test_every_single_substitution_is_rejected():
    accepted = [wrong for code in random_codes(RANDOM_CODES)
                for wrong in substitutions(code) if parse_declaration_code(wrong)]
    assert accepted == []


def test_every_adjacent_transposition_is_rejected():
    accepted = [(code, wrong) for code in random_codes(RANDOM_CODES)
                for wrong in transpositions(code) if parse_declaration_code(wrong)]
    assert accepted == []


@pytest.mark.parametrize("position", range(CODE_LENGTH - 1))
def test_every_pair_swapped_at_every_position_is_rejected(position):
    """Every ordered pair of different characters, at every adjacent position
    (the last one swaps the body's last character with the check character)."""
    rng = random.Random(position)
    accepted = []
    for a in ALPHABET:
        body = "".join(rng.choice(ALPHABET) for _ in range(DECLARATION_BODY))
        for b in ALPHABET:
            if a == b:
                continue
            code = with_pair(body, position, a, b)
            swapped = code[:position] + b + a + code[position + 2:]
            if parse_declaration_code(swapped):
                accepted.append(f"{code}->{swapped}")
    assert accepted == []


def with_pair(body: str, position: int, a: str, b: str) -> str:
    """A valid code like `body` with `a` then `b` at `position`; at the last position
    `b` is the check character, reached by changing the body's first character."""
    chars = list(body)
    chars[position] = a
    if position + 1 < DECLARATION_BODY:
        chars[position + 1] = b
        return complete("".join(chars))
    return _by_check_character("".join(chars[1:]))[b]


@cache
def _by_check_character(rest: str) -> dict[str, str]:
    """The valid codes ending in `rest` + check character, by check character."""
    codes = [complete(first + rest) for first in ALPHABET]
    return {code[-1]: code for code in codes}


@pytest.mark.parametrize("body", ["ABC2ZDE", "K53BC2Z", "2Z2Z2Z2"])
def test_swapping_first_and_last_alphabet_characters_is_rejected(body):
    """'2' and 'Z' are the first and last characters of the alphabet."""
    code = complete(body)
    for wrong in transpositions(code):
        assert parse_declaration_code(wrong) is None, f"{code} -> {wrong}"


def test_wrong_lengths_are_rejected():
    code = random_codes(1)[0]
    for wrong in ["", code[:1], code[:-1], code + "2", code + code, code[1:]]:
        assert parse_declaration_code(wrong) is None, wrong


@pytest.mark.parametrize("look_alike", LOOK_ALIKES + LOOK_ALIKES.lower())
def test_look_alike_characters_are_rejected(look_alike):
    for code in random_codes(10):
        for i in range(CODE_LENGTH):
            assert parse_declaration_code(code[:i] + look_alike + code[i + 1:]) is None


@pytest.mark.parametrize("text", ["", "   ", "-", "ABCD EFGH IJ", "ABCD/EFGH", "ABCDEFG!"])
def test_malformed_text_is_rejected(text):
    assert parse_declaration_code(text) is None


BODIES = st.text(alphabet=ALPHABET, min_size=DECLARATION_BODY, max_size=DECLARATION_BODY)


@settings(deadline=None)
@given(body=BODIES, position=st.integers(0, CODE_LENGTH - 1),
       char=st.sampled_from(ALPHABET))
def test_property_substitution_is_rejected(body, position, char):
    code = complete(body)
    if char != code[position]:
        assert parse_declaration_code(code[:position] + char + code[position + 1:]) is None


@settings(deadline=None)
@given(body=BODIES, position=st.integers(0, CODE_LENGTH - 2),
       pair=st.lists(st.sampled_from(ALPHABET), min_size=2, max_size=2, unique=True))
def test_property_adjacent_transposition_is_rejected(body, position, pair):
    # The pair is drawn on its own: among random bodies a given pair is rare.
    code = with_pair(body, position, *pair)
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
    assert parse_declaration_code(swapped) is None


@settings(deadline=None)
@given(st.text(max_size=30))
def test_property_parse_never_raises(text):
    code = parse_declaration_code(text)
    assert code is None or (len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
                            and parse_declaration_code(code) == code)
