"""Erasing one person's data: what must be kept and why, one small delete per kind of
record, the live state in Redis, and the RQ job that carries out an erasure request.

Deleted for the phone: its declarations (as the person declared about), its visits,
its closed quarantine cases and their reports, its message log (what it sent and was
answered) and the outbox rows already sent, its dialogue, unfinished forms and live
OTP in Redis, and its phone row. The bulk ORM deletes of fed records write `deleted`
events on the change feed (`gateway.store.events`), so the web system deletes its
copy too.

Kept, and why (the reason is recorded on the request and told to the person):
- an active quarantine case with its reports, and the phone row its reminders need:
  the health authority's duty while the quarantine lasts (Law on Prevention and
  Control of Infectious Diseases 03/2007/QH12; Law 91/2025/QH15 Art. 19(1)); a new
  request once the case is closed erases them;
- declarations the person made for a family member: those are the member's records;
- the phone row of a phone that sent STOP: the opt-out must outlive the erasure;
- outbox rows still being sent; the OTP rate-limit window (24 h, expires by itself);
- the consent records (what the phone was told and answered), the request itself
  and the audit log: the proof that processing was lawful and the request handled.
  The retention purge deletes them in their time (RETENTION_CONSENTS_DAYS,
  RETENTION_DATA_REQUESTS_DAYS, RETENTION_AUDIT_DAYS).

Every step is idempotent: a retried job, or a second request, deletes what is left
and nothing else. The deletes are the retention purge's (gateway/store/deletion.py,
gateway/purge/volatile.py), so a rule about what goes with a record holds for both.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Retry
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from gateway.flows.messages import render
from gateway.phones import mask
from gateway.purge import volatile
from gateway.runtime import Runtime, current
from gateway.store import data_requests, deletion, messages
from gateway.store.db import transaction
from gateway.store.models import (
    DataRequest,
    Declaration,
    InboundMessage,
    OutboundMessage,
    Phone,
    QuarantineCase,
    utcnow,
)

log = logging.getLogger(__name__)
IN_FLIGHT = ("queued", "sending")  # outbox rows a worker may still be sending
JOB_RETRIES = [10, 60, 300]
SWEEP_GRACE = timedelta(minutes=10)  # older and not done: its job was lost
# A request made from the phone is answered on it; one made to the console or through
# the web system is answered there (no SMS to a number that may never have used us).
NOTIFY_CHANNELS = ("sms", "ussd")
REASONS = {
    "active_case": "active quarantine case kept while it lasts (health authority duty, "
                   "Law 03/2007/QH12; Law 91/2025/QH15 Art. 19(1))",
    "family": "declarations made for family members kept: they are the members' records",
    "opted_out": "phone kept with its STOP opt-out",
}


@dataclass
class Erased:
    """What an erasure deleted (count per kind) and kept (reason keys of REASONS)."""

    counts: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """'done', or 'partial' when the law made us keep something of the person's own."""
        return "partial" if "active_case" in self.kept else "done"

    @property
    def reason(self) -> str:
        """What was kept and why, in one line (for the request and the console)."""
        return "; ".join(REASONS[key] for key in self.kept)


def must_keep(session: Session, phone: str) -> list[str]:
    """The reasons (keys of REASONS) why some of the phone's records must stay."""
    kept = []
    if session.scalar(select(QuarantineCase.id).where(QuarantineCase.phone == phone,
                                                      QuarantineCase.status == "active")
                      .limit(1)) is not None:
        kept.append("active_case")
    if session.scalar(select(Declaration.id).where(Declaration.declarer_phone == phone,
                                                   Declaration.relation != "self")
                      .limit(1)) is not None:
        kept.append("family")
    if session.scalar(select(Phone.opted_out).where(Phone.number == phone)):
        kept.append("opted_out")
    return kept


def erase_message_log(session: Session, phone: str) -> int:
    """What the phone sent and the replies it got, and the outbox rows already sent."""
    return (deletion.delete_inbound(session, InboundMessage.phone == phone)
            + deletion.delete_outbound(session, OutboundMessage.phone == phone,
                                       OutboundMessage.status.not_in(IN_FLIGHT)))


def erase_phone(session: Session, phone: str, kept: list[str]) -> int:
    """The phone row, unless an active case or an opt-out needs it (then it only
    forgets that the phone was verified)."""
    if "active_case" in kept or "opted_out" in kept:
        session.execute(update(Phone).where(Phone.number == phone).values(verified_until=None))
        return 0
    return session.execute(delete(Phone).where(Phone.number == phone)).rowcount


# The purge's deletes (gateway/store/deletion.py), in order: children before the rows
# they point at. Counts go to the daily statistics, as the purge's do.
DELETES: tuple[tuple[str, Callable[[Session, list[int]], int]], ...] = (
    ("exposure_cases", deletion.delete_exposure_cases),
    ("health_reports", deletion.delete_health_reports),
    ("quarantine_cases", deletion.delete_cases),
    ("visits", deletion.delete_visits), ("declarations", deletion.delete_declarations))


def erase_records(session: Session, phone: str) -> Erased:
    """Delete the phone's records that may go, in `session`'s transaction."""
    kept = must_keep(session, phone)
    erased = Erased(kept=kept)
    ids = deletion.of_phone(session, phone)
    for name, delete_ids in DELETES:
        erased.counts[name] = delete_ids(session, ids[name])
    erased.counts["messages"] = erase_message_log(session, phone)
    erased.counts["phone"] = erase_phone(session, phone, kept)
    return erased


def forget_live_state(redis: Redis, phone: str) -> int:
    """Delete the phone's live state in Redis (`gateway.purge.volatile.forget_phone`);
    how many keys went."""
    return volatile.forget_phone(redis, phone)


def perform(session: Session, redis: Redis, request: DataRequest,
            operator: str | None = None) -> Erased:
    """Carry out an erasure request: Redis first (idempotent, and nothing there is worth
    keeping should the transaction fail), then the records; the request is closed with
    its outcome, and a person who asked by phone gets an SMS saying what was done."""
    language = session.scalar(select(Phone.language).where(Phone.number == request.phone))
    forget_live_state(redis, request.phone)
    erased = erase_records(session, request.phone)
    data_requests.close(request, erased.outcome, erased.reason, operator=operator)
    if request.channel not in NOTIFY_CHANNELS:
        return erased
    key = "privacy.erased_kept" if erased.outcome == "partial" else "privacy.erased"
    messages.queue_outbound(session, phone=request.phone, kind="privacy", priority="default",
                            body=render(key, language or "vi", {"request": request.id}),
                            dedup_key=f"privacy:erased:{request.id}")
    return erased


def run(request_id: int) -> str:
    """RQ job: carry out erasure request `request_id` (nothing if it is already done,
    so a retried or repeated job is harmless)."""
    runtime = current()
    with transaction(runtime.sessions) as session:
        request = data_requests.get(session, request_id, lock=True)
        if request is None or request.done_at is not None:
            return "nothing to do"
        erased = perform(session, runtime.redis, request)
        data_requests.audit(session, "job:erasure", "privacy.erase", request.phone,
                            f"request {request.id}: {erased.outcome} {erased.counts}")
    log.info("erasure done", extra={"phone": mask(request.phone), "request": request_id,
                                    "outcome": erased.outcome})
    return erased.outcome


def enqueue(runtime: Runtime, request_id: int) -> None:
    """Hand erasure request `request_id` to the workers."""
    runtime.queue("default").enqueue(run, request_id, job_id=f"erasure-{request_id}",
                                     retry=Retry(max=len(JOB_RETRIES), interval=JOB_RETRIES))


def enqueue_after_commit(session: Session, runtime: Runtime, request_id: int) -> None:
    """Hand the request to the workers once `session`'s transaction commits (never if
    it rolls back). A lost hand-over (Redis down) is picked up by `sweep`."""
    def hand_over(_session: Session) -> None:
        try:
            enqueue(runtime, request_id)
        except RedisError:
            log.warning("erasure not queued; the sweep will", extra={"request": request_id})
    event.listen(session, "after_commit", hand_over, once=True)


def sweep() -> int:
    """RQ job (cron): queue again the erasure requests whose job was lost."""
    runtime = current()
    with transaction(runtime.sessions) as session:
        ids = data_requests.pending_erasures(session, utcnow() - SWEEP_GRACE)
    for request_id in ids:
        enqueue(runtime, request_id)
    return len(ids)
