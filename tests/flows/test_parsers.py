"""Answer parsers, table-driven: every accepted spelling and every refusal."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.flows.messages import CATALOGUE
from gateway.flows.parsers import (
    Choice,
    FreeText,
    IdNumber,
    Invalid,
    MultiSelect,
    Number,
    Year,
    YesNo,
)

THIS_YEAR = date.today().year
GENDER = Choice({"1": "male", "2": "female", "3": "other"},
                aliases={"nam": "male", "nữ": "female", "khác": "other"})


def reason(value) -> str:
    """The reason key of a refusal (fails the test if the answer was accepted)."""
    assert isinstance(value, Invalid), f"accepted: {value!r}"
    assert value.reason in CATALOGUE
    return value.reason


@pytest.mark.parametrize(("text", "value"), [
    ("1", "male"), (" 2 ", "female"), ("3.", "other"),
    ("nam", "male"), ("NAM", "male"),
    ("nữ", "female"), ("nu", "female"), ("Nữ!", "female"),   # aliases match folded
    ("khac", "other"), ("Khác", "other"),
])
def test_choice_accepts(text, value):
    assert GENDER(text) == value


@pytest.mark.parametrize("text", ["0", "4", "12", "1 2", "male", "", "   ", "n"])
def test_choice_refuses(text):
    assert reason(GENDER(text)) == "invalid.choice"


@pytest.mark.parametrize(("options", "choices"), [
    ({"1": "a", "2": "b"}, "1, 2"),
    ({"1": "a", "2": "b", "3": "c"}, "1-3"),
    ({str(n): n for n in range(1, 35)}, "1-34"),    # 34 provinces fit one SMS
    ({"1": "a", "3": "c", "4": "d"}, "1, 3, 4"),
    ({"a": 1, "b": 2, "c": 3}, "a, b, c"),
])
def test_choice_lists_what_to_reply(options, choices):
    assert Choice(options)("?").vars == {"choices": choices}


def test_choice_describes_itself():
    assert GENDER.accepts == "1/2/3 or nam, nữ, khác"
    assert GENDER.values == ("male", "female", "other")
    many = Choice({"1": 1}, aliases={f"w{n}": 1 for n in range(10)})
    assert many.accepts == "1 or w0, w1, w2, w3, w4, w5 and 4 more"


@pytest.mark.parametrize(("text", "value"), [
    ("1", True), ("co", True), ("có", True), ("Có.", True), ("C", True), ("yes", True),
    ("YES", True), ("y", True), ("ok", True), ("đồng ý", True),
    ("2", False), ("khong", False), ("không", False), ("KHÔNG", False), ("ko", False),
    ("k", False), ("no", False), ("N", False), (" no! ", False),
])
def test_yes_no_accepts(text, value):
    assert YesNo()(text) is value


@pytest.mark.parametrize("text", ["0", "3", "12", "yes no", "co khong", "maybe", ""])
def test_yes_no_refuses(text):
    assert reason(YesNo()(text)) == "invalid.yes_no"


@pytest.mark.parametrize(("text", "value"), [
    ("1", 1), ("10", 10), (" 7 ", 7), ("7.", 7), ("07", 7), ("５", 5),
])
def test_number_accepts(text, value):
    assert Number(1, 10)(text) == value


@pytest.mark.parametrize("text", ["0", "11", "-5", "2.5", "1,5", "5 kg", "five", "", "²"])
def test_number_refuses(text):
    refused = Number(1, 10)(text)
    assert reason(refused) == "invalid.number"
    assert refused.vars == {"low": 1, "high": 10}


@pytest.mark.parametrize(("text", "value"), [
    ("1980", 1980), (" 1980. ", 1980), ("1900", 1900), (str(THIS_YEAR), THIS_YEAR),
    ("１９８０", 1980),
])
def test_year_accepts(text, value):
    assert Year()(text) == value


@pytest.mark.parametrize("text", [
    "1800", "1899", "3000", str(THIS_YEAR + 1), "19a0", "80", "01980", "-1980", "1980 1981",
    "", "nam 1980",
])
def test_year_refuses(text):
    refused = Year()(text)
    assert reason(refused) == "invalid.year"
    assert refused.vars == {"earliest": 1900, "latest": THIS_YEAR}


@pytest.mark.parametrize(("text", "value"), [
    ("1 3", (1, 3)), ("13", (1, 3)), ("1,3", (1, 3)), (" 1 ; 3 ", (1, 3)), ("31", (1, 3)),
    ("3 1 3", (1, 3)), ("6", (6,)), ("123456", (1, 2, 3, 4, 5, 6)),
    ("1.3", (1, 3)),          # decided: '.' separates like ',' (easiest on a keypad)
    ("1.5", (1, 5)), ("1/3", (1, 3)), ("1+3", (1, 3)),
    ("0", ()), (" 0. ", ()),
])
def test_multi_select_accepts(text, value):
    assert MultiSelect(6)(text) == value


@pytest.mark.parametrize("text", [
    "7", "0 1", "10", "00", "abc", "1 a", "", " ", "-1",
    "1-3",    # decided: refused, as it may mean 1 to 3 as well as 1 and 3
])
def test_multi_select_refuses(text):
    refused = MultiSelect(6)(text)
    assert reason(refused) == "invalid.multi"
    assert refused.vars == {"count": 6}


@pytest.mark.parametrize("count", [0, 10, -1])
def test_multi_select_takes_single_digit_options_only(count):
    with pytest.raises(ValueError, match="1 to 9"):
        MultiSelect(count)


# unidecode loads a table per Unicode block on first use: no per-example deadline.
@settings(deadline=None)
@given(st.text())
def test_multi_select_never_raises(text):
    value = MultiSelect(6)(text)
    assert isinstance(value, Invalid) or (
        isinstance(value, tuple) and list(value) == sorted(set(value))
        and all(1 <= v <= 6 for v in value))


@pytest.mark.parametrize(("text", "value"), [
    ("Nguyen Van A", "Nguyen Van A"),
    ("  Nguyễn   Văn\tAn \n", "Nguyễn Văn An"),    # space collapsed, diacritics kept
    ("Huy", "Huy"),                                  # a name, not the HUY keyword
    ("Bo", "Bo"),
    ("x" * 60, "x" * 60),
])
def test_free_text_accepts(text, value):
    assert FreeText()(text) == value


@pytest.mark.parametrize(("text", "key", "vars"), [
    ("A", "invalid.too_short", {"min": 2}),
    ("   ", "invalid.too_short", {"min": 2}),
    ("", "invalid.too_short", {"min": 2}),
    ("x" * 61, "invalid.too_long", {"max": 60}),
    ("Nguyen " * 72, "invalid.too_long", {"max": 60}),   # ~500 characters
])
def test_free_text_refuses(text, key, vars):
    refused = FreeText()(text)
    assert reason(refused) == key
    assert refused.vars == vars


def test_free_text_is_marked_free():
    assert FreeText().free_text and not YesNo().free_text


@pytest.mark.parametrize(("text", "value"), [
    ("001234567890", {"type": "cccd", "number": "001234567890"}),
    ("001 234 567 890", {"type": "cccd", "number": "001234567890"}),
    ("CCCD 001234567890", {"type": "cccd", "number": "001234567890"}),
    ("123456789", {"type": "cmnd", "number": "123456789"}),
    ("123.456.789", {"type": "cmnd", "number": "123456789"}),
    ("B1234567", {"type": "passport", "number": "B1234567"}),
    ("b1234567", {"type": "passport", "number": "B1234567"}),
    ("C12345678", {"type": "passport", "number": "C12345678"}),
    ("0", None), (" 0 ", None),
])
def test_id_number_accepts(text, value):
    assert IdNumber()(text) == value


@pytest.mark.parametrize("text", [
    "1234567890", "12345678", "1234567890123", "abc", "", "00", "ABC1234567", "B12345",
    "cccd",
])
def test_id_number_refuses(text):
    assert reason(IdNumber()(text)) == "invalid.id_number"


PARSERS = [GENDER, YesNo(), Number(1, 10), Year(), MultiSelect(6), FreeText(), IdNumber()]


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: type(p).__name__)
@settings(deadline=None)
@given(text=st.text(max_size=200))
def test_parsers_never_raise_and_refuse_with_known_reasons(parser, text):
    value = parser(text)
    if isinstance(value, Invalid):
        assert value.reason in CATALOGUE


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: type(p).__name__)
def test_parsers_say_what_they_accept(parser):
    assert parser.accepts


def test_choice_options_win_over_aliases():
    assert Choice({"1": "one"}, aliases={"1": "alias", "mot": "one"})("1") == "one"
