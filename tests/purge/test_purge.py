"""`gateway purge` on PostgreSQL and real Redis with a moved clock: every kind of record
goes when its retention is over, everywhere, and not before; a dry run deletes nothing;
the web system sees `deleted` events; the counts survive; two runs never overlap."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from gateway import purge as purging
from gateway import runtime as runtimes
from gateway.purge import volatile
from gateway.store import messages, quarantine, statistics
from gateway.store.db import transaction
from gateway.store.models import (
    AuditEntry,
    DailyCount,
    Declaration,
    Event,
    HealthReport,
    IdempotencyKey,
    InboundKey,
    InboundMessage,
    OutboundKey,
    OutboundMessage,
    Phone,
    QuarantineCase,
    Venue,
    Visit,
    utcnow,
)
from tests.api.conftest import ME, OTHER, case_body, declared, manager, venue
from tests.api.test_events import drain, summary
from tests.conftest import Phone as FeaturePhone
from tests.test_processes import cli

LATER = 60  # days on: past every default retention but the audit log's
MODELS = (Declaration, Visit, QuarantineCase, HealthReport, InboundMessage, InboundKey,
          OutboundMessage, OutboundKey, IdempotencyKey, AuditEntry, Phone, Venue)


def as_of(days: int) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


def counts(app) -> dict[str, int]:
    with runtimes.of(app).sessions() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in MODELS}


def dialogue_keys(app) -> list[bytes]:
    return sorted(runtimes.of(app).redis.scan_iter(match="dlg:*"))


def output_counts(output: str) -> dict[str, int]:
    """The per-kind lines of the purge's output: name -> number."""
    found = {}
    for line in output.splitlines()[1:]:
        name, _, number = line.strip().rpartition(" ")
        if number.isdigit():
            found[name.removesuffix(" deleted").removesuffix(" would delete").strip()] = int(
                number)
    return found


@pytest.fixture
def records(app, api, client) -> dict:
    """One record of every kind, made now through the API, SMS and the store."""
    made = declared(api)
    place = venue(api)
    visit = api.post("/api/v1/visits", {"venue_code": place["code"], "phone": ME},
                     headers={"Idempotency-Key": "ci-1"})
    assert visit.status_code == 201, visit.json
    case = api.post("/api/v1/quarantine-cases", case_body(manager(app), phone=OTHER)).json
    with transaction(runtimes.of(app).sessions) as session:
        quarantine.record_report(session, case["id"], date.today(), symptoms=[7],
                                 temperature=None, danger=False, channel="sms")
        otp = messages.queue_outbound(session, phone=ME, body="Ma xac thuc: ******",
                                      kind="otp", priority="high", sealed="sealed-code",
                                      hand_over=False)
        session.execute(update(OutboundMessage).where(OutboundMessage.id == otp.id)
                        .values(status="sent"))
        session.add(AuditEntry(username="op1", action="read", phone=ME))
        session.add(Phone(number="+84900000001"))  # a phone with nothing else of it
    assert api.patch(f"/api/v1/quarantine-cases/{case['id']}",
                     {"status": "closed"}).status_code == 200
    FeaturePhone(client, "+84912000002").agreed().sms("KB")  # the message log, a live dialogue
    assert dialogue_keys(app)
    return {"declaration": made, "visit": visit.json, "case": case}


def test_a_dry_run_counts_what_would_go_and_deletes_nothing(app, config, records):
    before, keys = counts(app), dialogue_keys(app)
    result = cli(config, "purge", "--dry-run", "--as-of", as_of(LATER))
    assert result.exit_code == 0, result.output
    assert "(dry run: nothing deleted)" in result.output.splitlines()[0]
    would = output_counts(result.output)
    assert would["declarations"] == 1 and would["visits"] == 1
    assert would["quarantine cases (with reports)"] == 1
    assert would["inbound messages"] == 1 and would["inbound dedup keys"] == 1
    # The welcome SMS, the OTP sent, and the OTP the SMS declaration queued.
    assert would["outbound messages"] == 3 and would["sealed OTP texts cleared"] == 1
    assert would["outbound dedup keys"] == 1   # the welcome SMS's, sent once per case
    assert would["API idempotency keys"] == 1 and would["audit log entries"] == 0
    assert would["Redis keys (dialogues, OTP, replies)"] >= 1
    assert counts(app) == before and dialogue_keys(app) == keys


def test_a_moved_clock_purges_every_kind_everywhere(app, config, api, records):
    _, cursor = drain(api)
    result = cli(config, "purge", "--as-of", as_of(LATER))
    assert result.exit_code == 0, result.output
    left = counts(app)
    # The audit log is kept two years: the seeded entry, and the API's audited feed reads.
    assert left.pop("audit_log") >= 1
    with runtimes.of(app).sessions() as session:
        assert session.scalar(select(AuditEntry.id).where(AuditEntry.username == "op1"))
    assert left == {"declarations": 0, "visits": 0, "quarantine_cases": 0,
                    "health_reports": 0, "inbound_messages": 0, "inbound_keys": 0,
                    "outbound_messages": 0, "outbound_keys": 0, "idempotency_keys": 0,
                    "phones": 0, "venues": 1}  # places are not personal data
    assert dialogue_keys(app) == []
    # The web system is told to delete its copies; the records are gone.
    items, _ = drain(api, cursor)
    assert summary(items) == [("visit", "deleted"), ("declaration", "deleted"),
                              ("health_report", "deleted"), ("quarantine_case", "deleted")]
    assert [item["record_id"] for item in items[1:2]] == [records["declaration"]["id"]]
    assert all(item["record"] is None for item in items)
    # Only this run's `deleted` events are left of the feed.
    with runtimes.of(app).sessions() as session:
        assert set(session.scalars(select(Event.action))) == {"deleted"}
    # Statistics outlive the rows, with nothing personal.
    today = utcnow().date()
    with runtimes.of(app).sessions() as session:
        kept = {(c.kind, c.province_code, c.channel): c.count
                for c in session.scalars(select(DailyCount)) if c.day == today}
        totals = statistics.totals(session, today, today)
    assert kept[("declaration", 1, "web")] == 1
    assert kept[("visit", 79, "web")] == 1
    assert kept[("inbound_message", 0, "sms")] == 1
    assert kept[("outbound_message", 0, "otp")] == 2
    assert {(c.kind, c.count) for c in totals} >= {("declaration", 1), ("visit", 1),
                                                   ("quarantine_case", 1),
                                                   ("health_report", 1)}
    # Again: nothing left to do but the first run's `deleted` events (written at the
    # real time, so older than the moved clock's cutoff too); counts are not doubled.
    again = cli(config, "purge", "--as-of", as_of(LATER))
    assert again.exit_code == 0, again.output
    second = output_counts(again.output)
    assert second.pop("change-feed events") == 4
    assert set(second.values()) == {0}
    with runtimes.of(app).sessions() as session:
        assert session.scalar(select(DailyCount.count).where(
            DailyCount.kind == "declaration", DailyCount.day == today)) == 1


def test_records_inside_their_retention_are_kept(app, config, records):
    result = cli(config, "purge", "--as-of", as_of(10))
    assert result.exit_code == 0, result.output
    left = counts(app)
    assert left["declarations"] == left["visits"] == left["quarantine_cases"] == 1
    assert (left["inbound_messages"], left["outbound_messages"]) == (1, 3)
    assert left["idempotency_keys"] == 0  # 48 hours
    assert dialogue_keys(app) == []       # a dialogue lives 30 minutes
    with runtimes.of(app).sessions() as session:
        sealed = dict(session.execute(select(OutboundMessage.status, OutboundMessage.sealed)
                                      .where(OutboundMessage.kind == "otp")).all())
    assert sealed["sent"] is None       # OTP material: 15 minutes
    assert sealed["queued"] is not None  # its send needs it (the sweeper gives it up)
    with runtimes.of(app).sessions() as session:
        assert session.scalar(select(Phone.id).where(Phone.number == "+84900000001"))


def test_a_purge_running_makes_a_second_one_do_nothing(app, config, records):
    before = counts(app)
    lock = runtimes.of(app).redis.lock(purging.LOCK_KEY, timeout=60)
    assert lock.acquire(blocking=False)
    try:
        result = cli(config, "purge", "--as-of", as_of(LATER))
    finally:
        lock.release()
    assert result.exit_code == 1
    assert "another purge is running; nothing done" in result.output
    assert counts(app) == before


def test_a_bad_as_of_is_refused_with_the_format(app, config):
    result = cli(config, "purge", "--as-of", "next tuesday")
    assert result.exit_code == 2
    assert "'next tuesday' is not a date and time such as 2026-12-31T02:00" in result.output


def test_redis_keys_without_a_ttl_or_over_their_retention(app):
    redis = runtimes.of(app).redis
    redis.set("dlg:sms:+84912000003", "{}")                     # no TTL: never meant
    redis.set("resume:sms:+84912000004", "{}", ex=7 * 24 * 3600)  # over 24 hours
    redis.set("otp:sent:+84912000005", "1", ex=3600)             # its own TTL is the cap
    report = purging.run(runtimes.of(app))
    assert report.counts["Redis keys (dialogues, OTP, replies)"] == 1
    assert report.counts["Redis TTLs cut to their retention"] == 1
    assert redis.exists("dlg:sms:+84912000003") == 0
    assert 23 * 3600 < redis.ttl("resume:sms:+84912000004") <= 24 * 3600
    assert 3500 < redis.ttl("otp:sent:+84912000005") <= 3600


def test_failed_jobs_data_goes_after_its_retention(app):
    from rq import SimpleWorker
    from rq.job import Job
    rt = runtimes.of(app)
    # A job that fails (a phone is no datetime), with a phone number in its data.
    job = rt.queue("bulk").enqueue("gateway.store.partitions.week_start", "+84912000006")
    SimpleWorker([rt.queue("bulk")], connection=rt.redis).work(burst=True)
    assert Job.fetch(job.id, connection=rt.redis).is_failed
    kept = purging.run(rt, utcnow() + timedelta(days=6))
    assert kept.counts["RQ job data (ended jobs)"] == 0
    assert Job.exists(job.id, connection=rt.redis)
    dry = purging.run(rt, utcnow() + timedelta(days=8), dry_run=True)
    assert dry.counts["RQ job data (ended jobs)"] == 1
    assert Job.exists(job.id, connection=rt.redis)
    purging.run(rt, utcnow() + timedelta(days=8))
    assert not Job.exists(job.id, connection=rt.redis)


def test_the_cron_runs_the_purge_nightly(app):
    from gateway import schedules
    registered = []

    class Scheduler:
        def register(self, func, **options):
            registered.append((func, options))

    schedules.register(Scheduler())
    [(_, options)] = [(f, o) for f, o in registered if f is purging.nightly]
    assert options["cron"] == schedules.PURGE_CRON == "30 2 * * *"



def test_the_nightly_job_logs_its_counts(app, records, caplog):
    caplog.set_level("INFO", logger="gateway.purge")
    with app.app_context():
        purging.nightly()  # now: only what is already past its time goes
    [line] = [r.getMessage() for r in caplog.records if r.name == "gateway.purge"]
    assert line.startswith("purge done: change-feed events 0, visits 0, declarations 0")
    assert "idempotency" in line and ME not in line


def test_one_phone_can_be_forgotten_in_redis(app, client):
    redis = runtimes.of(app).redis
    FeaturePhone(client, "+84912000007").agreed().sms("KB")
    FeaturePhone(client, "+84912000008").agreed().sms("KB")
    # Its lock, line and OTP rate-limit histories (no text; expire by themselves) stay.
    stays = (b"lock:", b"ticket:", b"line:", b"alive:", b"otp:sent:", b"otpfan:")
    named = {k for k in redis.scan_iter() if b"+84912000007" in k}
    mine = {k for k in named if not k.startswith(stays)}
    assert any(k.startswith(b"dlg:") for k in mine) and any(k.startswith(b"otp:code") for k in mine)
    assert volatile.forget_phone(redis, "+84912000007") == len(mine)
    assert {k for k in redis.scan_iter() if b"+84912000007" in k} == named - mine
    assert any(b"+84912000008" in k for k in redis.scan_iter())
