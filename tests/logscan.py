"""A pytest plugin that keeps personal data out of the logs.

For the whole run a handler on the root logger formats every record as production
does (`gateway.ops.logs.JsonFormatter`) and keeps the line; tests that capture what a
subprocess server prints hand it over with `capture(source, text)`. When the session
finishes, everything kept is scanned for the personal data the tests use — phone
numbers in E.164 or a local spelling, the ID numbers and the names of the test
people, symptoms (health data) — and a find fails the run, printing the offending
lines.

Phone numbers are found by pattern (any unmasked Vietnamese mobile number is a leak,
whatever test used it); ID numbers and names by the list below, which names the people
of the test data (a pattern for "a name" or "12 digits" would also match request ids).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import pytest
from unidecode import unidecode

from gateway.ops.logs import JsonFormatter

# Vietnamese mobile numbers however the tests spell them: +84912345678, 84912345678,
# 0912345678, 0912 345 678, 0912.345.678. Not inside a longer run of digits or a word.
_PHONE = re.compile(r"(?<![\w+*])(?:\+?84|0)[35789]\d(?:[ .]?\d){7}(?![\w*])")
# The ID numbers (CCCD, CMND, passport) and names of the test data.
ID_NUMBERS = ("001080012345", "001090012345", "001234567890", "012345678901", "123456789",
              "B1234567", "C7654321", "C12345678",
              "HS4010123456789", "4012345678")  # the last two: BHYT numbers
NAMES = ("Nguyen Van A", "Nguyen Van An", "Nguyen Van Nam", "Tran Thi B", "Tran Thi Binh",
         "Tran Thi C", "Le Thi Hoa", "Pham Van Cuong", "Vu Van Sot", "Nguyen Thi Be",
         "Ngo Van Mot", "Hoang Van Ho", "Do Thi Kho Tho", "Dang Van Hai", "Bui Thi Ba")
# Symptoms as the forms and replies spell them (folded): the phrases only, since "ho"
# (cough) or "sot" (fever) alone are everyday syllables of other words.
SYMPTOMS = ("kho tho", "dau hong", "met moi", "mat vi", "khu giac", "dau nguc", "lu lan",
            "short of breath", "sore throat", "loss of taste", "chest pain")
_ID = re.compile(r"(?<![\w*])(?:" + "|".join(map(re.escape, ID_NUMBERS)) + r")(?![\w*])")
# Names are matched folded (no diacritics, any case): 'NGUYỄN VĂN AN' is found too.
_NAME = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n.lower()) for n in NAMES) + r")(?!\w)")
_SYMPTOM = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, SYMPTOMS)) + r")(?!\w)")
MAX_SHOWN = 20  # offending lines printed on failure
MAX_LINE = 400  # characters of each


@dataclass
class Kept:
    """Everything the run logged or captured: (source, line) pairs."""

    lines: list[tuple[str, str]] = field(default_factory=list)


_kept = Kept()


def capture(source: str, text: str) -> None:
    """Hand over what a subprocess (a server started by a test) printed, to be scanned
    with the logs; `source` names it in a failure."""
    _kept.lines.extend((source, line) for line in text.splitlines() if line.strip())


def leaks(line: str) -> list[str]:
    """What personal data `line` shows: 'phone', 'id number', 'name', 'symptom' (empty:
    none)."""
    found = []
    folded = unidecode(line).lower()
    if _PHONE.search(line):
        found.append("phone")
    if _ID.search(line):
        found.append("id number")
    if _NAME.search(folded):
        found.append("name")
    if _SYMPTOM.search(folded):
        found.append("symptom")
    return found


class _Keeper(logging.Handler):
    """Formats records as production does and keeps the lines. The formatter is used,
    not installed, so `gateway.ops.logs.configure` still adds its own stderr handler."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.json = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.json.format(record)
        except Exception:  # a record that cannot be formatted must not break the test
            line = f"unformattable record from {record.name}"
        _kept.lines.append(("log", line))


_handler = _Keeper()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start keeping every log record of the run."""
    logging.getLogger().addHandler(_handler)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Scan what was kept; a leak fails the run."""
    logging.getLogger().removeHandler(_handler)
    found = [(source, line, kinds) for source, line in _kept.lines
             if (kinds := leaks(line))]
    if not found:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.section("personal data in the logs", sep="=", red=True, bold=True)
        reporter.line(f"{len(found)} line(s) of the run's logs show personal data:")
        for source, line, kinds in found[:MAX_SHOWN]:
            reporter.line(f"[{source}] ({', '.join(kinds)}) {line[:MAX_LINE]}")
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
