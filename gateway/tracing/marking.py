"""Marking a confirmed case: the one record function the records API and the console
call, in their own transaction. It stores the case (or finds the same one marked
before) and lists its exposures for review; nobody is texted until someone confirms
(`notifying.notify`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gateway.config import Config
from gateway.store import exposures as store
from gateway.store.areas import Area
from gateway.store.models import ExposureCase

MAX_WINDOW = timedelta(days=31)  # like the exposure query: a bounded scan of visits


class MarkError(ValueError):
    """The case cannot be marked as given; the message says why."""


@dataclass(frozen=True)
class Marked:
    """The case, whether it is new (False: the same phone and window were marked
    before, and only exposures found since were added), and how many were added."""

    case: ExposureCase
    created: bool
    added: int


def rules(config: Config) -> store.Rules:
    """The overlap rules of the configuration."""
    return store.Rules(min_overlap=timedelta(minutes=config.exposure_min_overlap_minutes),
                       margin=timedelta(minutes=config.exposure_margin_minutes),
                       longest=timedelta(hours=config.visit_close_hours))


def mark(session: Session, config: Config, *, phone: str, start: datetime, end: datetime,
         area: Area | None, channel: str, operator: str, user_id: int | None = None,
         token_id: int | None = None) -> Marked:
    """Mark `phone` (E.164) as a confirmed case infectious from `start` to `end` and
    list its exposures (at venues inside `area` for a limited marker). Marking the same
    phone and window again (as one who sees that case) is the same case: it adds only
    exposures not listed yet."""
    if end < start:
        raise MarkError("the window ends before it starts")
    if end - start > MAX_WINDOW:
        raise MarkError("the window is at most 31 days")
    case = store.same_case(session, phone, start, end, area)
    created = case is None
    if case is None:
        case = store.create_case(session, phone=phone, window_start=start, window_end=end,
                                 user_id=user_id, token_id=token_id, channel=channel,
                                 operator=operator)
    added = store.add_exposures(session, store.found(session, case, rules(config), area))
    return Marked(case, created, len(added))
