"""Structured logs (one JSON object a line) with phone numbers masked."""

from __future__ import annotations

import json
import logging
import sys

from gateway.phones import mask, mask_in_text

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats records as JSON; a `phone` extra is masked, and so is any phone-like
    number inside the message, so personal data never reaches the logs."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                 "logger": record.name, "message": mask_in_text(record.getMessage())}
        for key, value in vars(record).items():
            if key not in _STANDARD:
                entry[key] = mask(value) if key == "phone" and isinstance(value, str) else value
        if record.exc_info:
            entry["traceback"] = mask_in_text(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


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
