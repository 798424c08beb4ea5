"""Confirming a case: one SMS to every exposed phone not texted about that exposure
yet, through the bulk outbox path (the sender's rate, behind OTPs and replies).

One transaction gives the case's exposures their notices (new ones only where the
visit has none: `gateway.store.exposures`), adds their messages to the outbox in one
statement with dedup keys `exposure:<notice id>`, and writes the audit entry; after
it commits the messages go to the workers in `deliver_many` chunks, one Redis round
trip. A second confirmation, a retried one or another case over the same visits
finds the notices there and queues nothing. A hand-over lost after the commit (Redis
down) is found by the outbox sweeper, like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from gateway.days import local_date
from gateway.flows.exposure import VENUE_NAME_MAX
from gateway.flows.messages import render
from gateway.runtime import Runtime
from gateway.sms import jobs
from gateway.store import exposures as store
from gateway.store import messages
from gateway.store.areas import Area
from gateway.store.db import transaction
from gateway.store.models import ExposureCase, utcnow
from gateway.text import to_gsm
from gateway.tracing.enrolling import Enrolment, enrol_exposed

KIND = "exposure"  # the outbox kind of a notice
TWO_SEPTETS = frozenset("^{}\\[~]|€\f")  # GSM-7's extension table
ANALYZE_FROM = 1000  # a run this big refreshes the outbox's statistics (messages.analyze)


@dataclass(frozen=True)
class Notified:
    """What a confirmation did: the phones texted now (0 when all were before)."""

    case_id: int
    queued: int
    enrolled: int = 0  # with an enrolment: phones put in home quarantine now


def venue_name(name: str) -> str:
    """A venue's name as a notice shows it: GSM-7, no character that costs two septets
    (brackets, braces…), cut to VENUE_NAME_MAX, so the notice stays one segment."""
    plain = "".join(c for c in to_gsm(name) if c not in TWO_SEPTETS)
    return " ".join(plain.split())[:VENUE_NAME_MAX].strip()


def body(row: store.ToText, tz: ZoneInfo) -> str:
    """The notice's text: the venue, the local time and day; nothing of the case."""
    local = row.overlap_start.astimezone(tz)
    return render("exposure.notice", row.language, {
        "exposure_venue": venue_name(row.venue),
        "time": local.strftime("%H:%M"), "day": local.strftime("%d/%m")})


def notify(runtime: Runtime, case: ExposureCase | int, *, by: str, channel: str,
           area: Area | None, audit: Callable[[Session, ExposureCase, int], None],
           enrolment: Enrolment | None = None, now: datetime | None = None) -> Notified:
    """Text every exposed phone of the case (inside `area`) not texted about that
    exposure yet and, with an `enrolment` (checked by `enrolling.check`), enrol those
    phones in home quarantine. `audit(session, case, queued)` writes the audit entry
    in the same transaction. The caller checked that the case is the caller's."""
    now = now or utcnow()
    case_id = case if isinstance(case, int) else case.id
    with transaction(runtime.sessions) as session:
        locked = store.case_for_update(session, case_id)
        new = store.open_notices(session, locked, by=by, channel=channel, area=area)
        rows = store.to_text(session, new)
        ids = messages.queue_many(session, [
            {"phone": row.phone, "body": body(row, runtime.config.tz), "kind": KIND,
             "priority": "bulk", "dedup_key": f"{store.DEDUP}{row.notice_id}"}
            for row in rows])
        store.mark_notified(session, new, now)
        locked.status, locked.notified_by = "notified", by
        locked.notified_at = locked.notified_at or now
        enrolled = 0
        if enrolment is not None:
            enrolled = enrol_exposed(session, [row.phone for row in rows], enrolment,
                                     local_date(now, runtime.config.tz), channel=channel,
                                     operator=by)
        audit(session, locked, len(ids))
    if len(ids) >= ANALYZE_FROM:
        with transaction(runtime.sessions) as session:
            messages.analyze(session)
    jobs.enqueue_many(runtime, ids, "bulk")
    return Notified(case_id, len(ids), enrolled)
