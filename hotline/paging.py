"""Paging of console lists: a page of a query's rows and where it lies in the whole
("rows 51–100 of 1,234"), so a list never stops silently at some limit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

PAGE_SIZE = 50
MAX_PAGE = 1_000_000  # a page number past any list: refused as a bad one, not an overflow


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, its number (from 1) and the list's size."""

    rows: list[Any]
    number: int
    size: int
    total: int

    @property
    def first(self) -> int:
        """The position of the page's first row in the list (0 when it is empty)."""
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """The position of the page's last row in the list."""
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, possibly empty)."""
        return max(1, -(-self.total // self.size))

    @property
    def previous(self) -> int | None:
        """The number of the page before, if any."""
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        """The number of the page after, if any."""
        return self.number + 1 if self.number < self.pages else None


def number(raw: str | None) -> int:
    """The page number a request asked for: 1 for a missing or bad one."""
    raw = (raw or "").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        return 1
    return int(raw)


def count(session: Session, query: Any) -> int:
    """How many rows `query` (a SELECT) has."""
    return session.scalar(select(func.count()).select_from(
        query.order_by(None).subquery())) or 0


def fetch(session: Session, query: Any, wanted: int, size: int = PAGE_SIZE) -> Page:
    """Page `wanted` of `query` (ordered, so pages do not overlap); a page past the end
    gives the last page."""
    total = count(session, query)
    pages = max(1, -(-total // size))
    wanted = min(max(1, wanted), pages)
    rows = list(session.execute(query.offset((wanted - 1) * size).limit(size)).all())
    return Page(rows, wanted, size, total)
