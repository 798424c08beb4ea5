"""What the fuzz tests share: their budget, hypothesis settings that make a CI run
reproducible, the hostile values they draw from, and `Watch`, which fails on the
first server error or logged traceback and names the request that caused it.

The budget is fixed so CI stays reproducible and bounded (about 10,000 requests in
all: webhooks ~4,300, console ~1,900, API ~4,100; each module's EXAMPLES says how);
`FUZZ_SCALE=10 scripts/test tests/test_webhooks_fuzz.py
tests/hotline/test_fuzz.py tests/api/test_fuzz.py` runs ten times as many, with the
same fixed examples unless `FUZZ_RANDOM=1` asks for a random run.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings for `examples` (times FUZZ_SCALE) examples: no deadline,
    derandomized unless FUZZ_RANDOM=1 asks for a random run, no example database (CI
    starts fresh), and quiet about slow data generation (it is the point here)."""
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None,
                    derandomize=not RANDOM, database=None, print_blob=True,
                    suppress_health_check=list(HealthCheck))


# Characters a hostile client sends: NUL and the other C0/C1 controls, DEL, a BOM,
# right-to-left marks, Vietnamese letters, emoji; surrogates cannot be sent as UTF-8.
HOSTILE_CHARS = st.sampled_from(
    ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85",
     "\x9f", "\ufeff", "\u202e", "\u200b", "đ", "Ư", "ệ", "😷", "%", "&", "=", "+", "*",
     "#", "'", '"', "<", "\n", "\r", "\t", " "])
TEXT = st.one_of(
    st.text(max_size=30),
    st.text(st.one_of(HOSTILE_CHARS, st.characters(codec="utf-8")), max_size=40),
    st.sampled_from(["", " ", "KB", "HD", "1", "0", "99", "00", "HUY", "Nguyễn Văn An",
                     "null", "[]", "{}", "NaN", "-1", "1e400", "\x00", "a\x00b"]))
NUMBER = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["0", "-0", "2147483647", "2147483648", "-2147483649",
                     "9223372036854775808", "9" * 40, "1.5", "1e9", "inf", "NaN", "0x10",
                     "²", "٣", "１２", " 7 ", "+5", "", "\x00"]))
PHONE = st.one_of(
    st.sampled_from(["+84912345678", "0912345678", "84912345678", "0912 345 678",
                     "+84 91 234 5678", "+1", "+999999999999999999", "0", "", "abc",
                     "+84912345678\x00", "+８４９１２３４５６７８"]),
    NUMBER, TEXT)
VALUE = st.one_of(TEXT, NUMBER, PHONE)


class Watch(logging.Handler):
    """Attached to the root logger for a test: keeps every record of level ERROR or
    with a traceback. `check(response, request)` fails on a 5xx answer or on anything
    kept, describing the request."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.errors: list[logging.LogRecord] = []
        self.requests = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.errors.append(record)

    def check(self, response, request: str) -> None:
        """Fail on a server error or a logged traceback, naming `request`."""
        self.requests += 1
        if response.status_code < 500 and not self.errors:
            return
        logged = "\n".join(self.format(r) + (f"\n{logging.Formatter().formatException(r.exc_info)}"
                                             if r.exc_info else "") for r in self.errors)
        self.errors.clear()
        raise AssertionError(f"{request}\n-> {response.status_code} "
                             f"{response.get_data(as_text=True)[:300]!r}\n{logged}")


@pytest.fixture
def watch() -> Iterator[Watch]:
    """A `Watch` on the root logger for the test."""
    handler = Watch()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)
    print(f"fuzzed with {handler.requests} requests")  # shown by `pytest -s`
