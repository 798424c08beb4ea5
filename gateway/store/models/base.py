"""The models' shared parts: the declarative base, UTC timestamps, folded search text."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase

from gateway.text import searchable


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


# The console's searches ignore case and diacritics ('nguyen van a' finds 'Nguyễn Văn
# A', 'd' finds 'đ'): a record keeps its searched text folded in `search_folded`,
# rewritten by the model whenever one of its parts is set — so every record function,
# console form and API write keeps it right without knowing — and indexed (a trigram
# index on PostgreSQL, migration 0016), so a search stays fast and paged at scale.
SEARCH_FOLDED_CHARS = 400


def keep_folded(record: object, key: str, value: str | None, parts: tuple[str, ...],
                limit: int = SEARCH_FOLDED_CHARS) -> None:
    """Rewrite `record.search_folded` from its `parts` as they will be once `key` is set
    to `value` (called by the models' `@validates` hooks)."""
    values = {part: getattr(record, part) for part in parts}
    values[key] = value
    record.search_folded = searchable(*(values[part] for part in parts), limit=limit)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC (SQLite has no timezones), always returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    """Base of all models."""
