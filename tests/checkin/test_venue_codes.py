"""Venue codes: the Damm check digit catches every single-digit error and every swap of
two neighbouring digits, over the whole code space."""

import itertools

from hypothesis import given
from hypothesis import strategies as st

from gateway.codes import _DAMM_10, new_venue_code, parse_venue_code


def test_the_table_is_a_weakly_totally_antisymmetric_quasigroup():
    """Damm's table proves detection for every code at once: a detection failure at any
    position depends only on the running value before it and the digits involved,
    and these properties rule out every such failure."""
    digits = range(10)
    for row in _DAMM_10:  # each row a permutation: a changed digit changes the result
        assert sorted(row) == list(digits)
    for column in zip(*_DAMM_10, strict=True):  # so does each column
        assert sorted(column) == list(digits)
    assert all(_DAMM_10[x][x] == 0 for x in digits)  # a code's check makes the value 0
    for c, x, y in itertools.product(digits, digits, digits):
        # Swapping neighbours changes the running value (the check digit included:
        # a code whose value ends at 0 ends elsewhere once its last two digits swap).
        if x != y:
            assert _DAMM_10[_DAMM_10[c][x]][y] != _DAMM_10[_DAMM_10[c][y]][x]


def errors_of(code: str) -> set[str]:
    wrong = {code[:i] + d + code[i + 1:] for i in range(7) for d in "0123456789"}
    wrong |= {code[:i] + code[i + 1] + code[i] + code[i + 2:] for i in range(6)}
    return wrong - {code}


def test_every_error_is_caught_on_a_sample_of_real_codes():
    for _ in range(2000):
        code = new_venue_code()
        assert parse_venue_code(code) == code and code[0] != "0"
        assert not [w for w in errors_of(code) if parse_venue_code(w)], code


@given(st.integers(min_value=100000, max_value=999999))
def test_every_body_has_exactly_one_check_digit(body):
    valid = [d for d in "0123456789" if parse_venue_code(f"{body}{d}")]
    assert len(valid) == 1
    assert not [w for w in errors_of(f"{body}{valid[0]}") if parse_venue_code(w)]


def test_spellings_and_malformed_codes():
    code = new_venue_code()
    assert parse_venue_code(f"{code[:3]} {code[3:]}") == code
    assert parse_venue_code(f"{code[:3]}-{code[3:]}") == code
    for bad in ("", "123456", "12345678", "abcdefg", code + "0"):
        assert parse_venue_code(bad) is None
