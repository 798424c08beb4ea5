"""The answer to an exposure notice inside a dialogue (flow `exposure_answer`):
whether the phone is in quarantine now (`exposure.context`), recording the answer
(outcome `exposure_answer`), and handing `2` (symptoms) over to today's report or to
a declaration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.actions.context import Context, Records
from gateway.actions.entering import Entry
from gateway.days import local_date
from gateway.store import exposures
from gateway.store import quarantine as cases
from gateway.store.models import utcnow


def context(context: Context, args: Mapping[str, Any]) -> tuple[str, dict]:
    """The phone's active quarantine case today, if any (its `2` is a report)."""
    day = local_date(utcnow(), context.runtime.config.tz)
    case = cases.active_case(context.session, context.inbound.phone, day)
    return "ok", {"case_id": case.id if case else None}


def record(context: Records, answers: Mapping[str, Any]) -> None:
    """Keep the answer on the notice the router found for it."""
    exposures.record_answer(context.session, answers["notice_id"], answers["answer"],
                            context.inbound.channel)


def report(context: Records, answers: Mapping[str, Any]) -> Entry:
    """Symptoms from a phone in quarantine: today's report, asked at once."""
    return Entry("report", {"case_id": answers["case_id"]})


def declare(context: Records, answers: Mapping[str, Any]) -> Entry:
    """Symptoms from anyone else: a declaration, started at once."""
    return Entry("declare")
