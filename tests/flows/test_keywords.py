"""SMS keywords: every spelling of PRODUCT.md's table, however it is typed."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.flows.keywords import KEYWORDS, Command, match

# PRODUCT.md, "SMS keywords": every spelling and the command it names.
TABLE = [
    ("KB", "declare"), ("KHAI BAO", "declare"), ("DECLARE", "declare"),
    ("KH", "family"), ("KHAI HO", "family"), ("FAMILY", "family"),
    ("CI", "checkin"), ("CHECKIN", "checkin"),
    ("CO", "checkout"), ("CHECKOUT", "checkout"),
    ("SK", "report"), ("BC", "report"), ("REPORT", "report"),
    ("TT", "status"), ("STATUS", "status"),
    ("HUY", "cancel"), ("CANCEL", "cancel"),
    ("HD", "help"), ("HELP", "help"), ("TRO GIUP", "help"),
    ("EN", "en"), ("VI", "vi"),
    ("STOP", "stop"), ("START", "start"),
    ("HUY DONG Y", "withdraw"), ("Hủy đồng ý", "withdraw"), ("WITHDRAW", "withdraw"),
    # issue 15: data-subject requests
    ("DULIEU", "mydata"), ("DU LIEU", "mydata"), ("MYDATA", "mydata"),
    ("XOA", "erase"), ("XOA DU LIEU", "erase"), ("DELETE", "erase"),
    # issue 17: area quarantine
    ("KV", "join_area"), ("KHU VUC", "join_area"), ("Khu vực", "join_area"),
]


def variants(spelling: str) -> list[str]:
    """How people type a keyword: any case, diacritics, stray punctuation and space."""
    lower = spelling.lower()
    return [spelling, lower, lower.capitalize(), f"  {lower}. ", f"{spelling}!", f"\n{lower}\n"]


@pytest.mark.parametrize(("spelling", "command"), TABLE)
def test_product_table(spelling, command):
    for typed in variants(spelling):
        assert match(typed) == Command(command, ()), typed


def test_table_covers_every_command():
    assert {command for _, command in TABLE} == set(KEYWORDS)


@pytest.mark.parametrize(("text", "command"), [
    ("khai báo", Command("declare", ())),
    ("Xóa dữ liệu", Command("erase", ())),
    ("dữ liệu", Command("mydata", ())),
    ("KHAI BAO", Command("declare", ())),
    ("Kb", Command("declare", ())),
    (" kb. ", Command("declare", ())),
    ("Khai  Báo", Command("declare", ())),
    ("khaibao", Command("declare", ())),            # one word
    ("khai hộ", Command("family", ())),
    ("Trợ giúp", Command("help", ())),
    ("trogiup", Command("help", ())),
    ("Hủy", Command("cancel", ())),
    ("check-in 1234567", Command("checkin", ("1234567",), "1234567")),
    ("CHECK IN 1234567", Command("checkin", ("1234567",), "1234567")),
    ("ci 1234567", Command("checkin", ("1234567",), "1234567")),
    ("CI1234567", Command("checkin", ("1234567",), "1234567")),   # typed without a space
    ("ci: 1234567", Command("checkin", ("1234567",), "1234567")),
    ("co", Command("checkout", ())),
    ("CO 1234567", Command("checkout", ("1234567",), "1234567")),
    ("check out", Command("checkout", ())),
    ("SK 1 2 38.5", Command("report", ("1", "2", "38", "5"), "1 2 38.5")),  # rest keeps 38.5
    ("bc 0", Command("report", ("0",), "0")),
    ("REPORT 0", Command("report", ("0",), "0")),
    ("sk0", Command("report", ("0",), "0")),
    ("kb cho me", Command("declare", ("cho", "me"), "cho me")),
])
def test_spellings_and_arguments(text, command):
    assert match(text) == command


@pytest.mark.parametrize("text", [
    "kbx", "hello", "", "   ", "...", "1", "1 3", "Nguyen Van A", "khai", "check", "kb1x",
    "xci 1234567", "cikb",
])
def test_not_keywords(text):
    assert match(text) is None


# unidecode loads a table per Unicode block on first use: no per-example deadline.
@settings(deadline=None)
@given(st.text(max_size=100))
def test_any_text_is_a_known_command_or_none(text):
    command = match(text)
    assert command is None or command.name in KEYWORDS


def test_withdrawing_consent_is_not_cancelling():
    # The longest phrase wins: HUY alone cancels, HUY DONG Y withdraws consent.
    assert match("huy dong y") == Command("withdraw", ())
    assert match("HUYDONGY") == Command("withdraw", ())
    assert match("huy dong") == Command("cancel", ("dong",), "dong")
