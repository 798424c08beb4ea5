"""Structured logs (one JSON object a line) with phone numbers masked and the
database's row details hidden."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping
from typing import Any

from gateway.phones import mask, mask_in_text

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# PostgreSQL explains a refused row in a DETAIL line that quotes its values ("Key
# (number)=(+84…) already exists", "Failing row contains (…, Nguyễn Văn An, …)"); it
# reaches the logs through psycopg's and SQLAlchemy's error messages, whatever path
# ran the statement. The line is cut to its label. Up to a newline, real or escaped.
_DETAIL = re.compile(r"DETAIL:(?:(?!\\n)[^\n])*")


class JsonFormatter(logging.Formatter):
    """Formats records as JSON; a `phone` extra is masked, and so is any phone-like
    number inside the message, the other extras and the traceback, so personal data
    never reaches the logs."""

    def format(self, record: logging.LogRecord) -> str:
        """One JSON line: time, level, logger, message, extras, traceback if any."""
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
            "logger": record.name, "message": scrub(record.getMessage())}
        for key, value in vars(record).items():
            if key not in _STANDARD:
                entry[key] = _masked(key, value)
        if record.exc_info:
            entry["traceback"] = scrub(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = scrub(self.formatStack(record.stack_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


def scrub(text: str) -> str:
    """`text` fit for a log: phone-like numbers masked, the database's DETAIL lines
    (which quote the values of a refused row) reduced to their label."""
    return mask_in_text(_DETAIL.sub("DETAIL: [hidden]", text))


def _masked(key: str, value: Any) -> Any:
    """`value` with phone numbers masked, its structure kept (a `phone` key anywhere is
    masked whole; other text is scanned for phone-like numbers)."""
    if isinstance(value, str):
        return mask(value) if key == "phone" else scrub(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _masked(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(key, v) for v in value]
    return scrub(str(value))


def configure(level: str = "INFO") -> None:
    """Send JSON logs to stderr at `level` (idempotent)."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        root.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("alembic").setLevel("WARNING")  # migration chatter is not news
