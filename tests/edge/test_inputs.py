"""What any request may carry (gateway/edge/inputs.py): which characters text may hold,
which numbers are ids, and how a field name is quoted in a reason."""

import pytest

from gateway.edge.inputs import INT_MAX, refused_character, shown, whole_number


@pytest.mark.parametrize(("text", "reason"), [
    ("Nguyễn Văn An", None),
    ("KB\r\n\tHD", None),  # line breaks and tabs are text
    ("😷 ệ đ", None),
    ("a\x00b", "a NUL character"),
    ("\x07", "control character U+0007"),
    ("\x1b[2J", "control character U+001B"),
    ("\x7f", "control character U+007F"),
    ("\x85", "control character U+0085"),
    ("\ud800", "an unpaired surrogate"),
])
def test_refused_characters(text, reason):
    assert refused_character(text) == reason


@pytest.mark.parametrize(("text", "number"), [
    ("12", 12), (" 7 ", 7), ("0", 0), (str(INT_MAX), INT_MAX),
    (str(INT_MAX + 1), None), ("9" * 40, None), ("-1", None), ("+5", None), ("²", None),
    ("٣", None), ("１２", None), ("", None), ("1.5", None), ("0x10", None),
])
def test_whole_numbers_fit_the_id_column(text, number):
    assert whole_number(text) == number


def test_a_field_name_is_quoted_short_and_escaped():
    assert shown("\x00a") == "\\x00a"
    assert shown("x" * 100) == "x" * 40
