"""Structured logs: one JSON object a line, phone numbers never in clear."""

import json
import logging
import sys

import pytest

from gateway.ops.logs import JsonFormatter, configure

PHONE = "+84912345678"
MASKED = "+849*****678"


def record(message="turn done", *args, exc_info=None, **extra) -> logging.LogRecord:
    return logging.getLogger("gateway.test").makeRecord(
        "gateway.test", logging.WARNING, __file__, 1, message, args, exc_info, extra=extra)


def formatted(entry: logging.LogRecord) -> dict:
    line = JsonFormatter().format(entry)
    assert "\n" not in line
    return json.loads(line)


def test_fields():
    entry = formatted(record("handled %s turns", 3, channel="sms", took=0.5))
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "gateway.test"
    assert entry["message"] == "handled 3 turns"
    assert (entry["channel"], entry["took"]) == ("sms", 0.5)
    assert entry["time"][:2] == "20"


def test_phone_extra_is_masked():
    entry = formatted(record(phone=PHONE))
    assert entry["phone"] == MASKED


@pytest.mark.parametrize("written", [PHONE, "0912345678", "0912.345.678", "+84 91 234 5678"])
def test_phone_in_message_is_masked(written):
    entry = formatted(record("reply to %s failed", written))
    assert entry["message"] == f"reply to {MASKED} failed"


def test_phone_in_other_extras_is_masked():
    entry = formatted(record(recipient="0912345678", data={"to": [PHONE], "phone": "0987"},
                             attempts=2))
    assert entry["recipient"] == MASKED
    assert entry["data"] == {"to": [MASKED], "phone": "****"}
    assert entry["attempts"] == 2


def test_phone_in_traceback_is_masked():
    try:
        raise ValueError(f"no such phone {PHONE}")
    except ValueError:
        entry = formatted(record("turn failed", exc_info=sys.exc_info()))
    assert "ValueError: no such phone " + MASKED in entry["traceback"]
    assert PHONE not in json.dumps(entry)


def test_configure_is_idempotent():
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    try:
        configure("DEBUG")
        configure("WARNING")
        added = [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
        assert len(added) == 1
        assert root.level == logging.WARNING
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
        root.setLevel(level)
