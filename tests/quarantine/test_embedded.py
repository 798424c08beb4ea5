"""The embedded setup (`gateway demo`: SQLite, in-process Redis, jobs run inline):
enrolment, a report, the reminder, digest and last-day runs work there too, with the
same once-only guarantees."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.quarantine import runs
from gateway.store.models import HealthReport, OutboundMessage
from tests.conftest import Phone
from tests.quarantine.conftest import DAY, MANAGER_PHONE, MORNING, PERSON, add_case, add_manager


def test_quarantine_on_sqlite_with_inline_jobs(demo_app, clock):
    app = demo_app
    add_manager(app)
    add_case(app)
    add_case(app, phone="+84912000002", name="Tran Thi Binh", end=DAY)
    assert Phone(app.test_client(), PERSON).sms("3 39").startswith("Da ghi nhan 10/03")
    assert runs.run("morning", today=DAY, now=MORNING)["queued"] == 1
    assert runs.run("morning", today=DAY, now=MORNING)["queued"] == 0
    assert runs.run("digest", today=DAY, now=MORNING)["queued"] == 1
    assert runs.run("end", today=DAY, now=MORNING)["queued"] == 1
    assert runs.run("end", today=DAY + timedelta(days=1), now=MORNING)["closed"] == 1
    with runtimes.of(app).sessions() as session:
        sent = {(m.kind, m.phone): m for m in session.scalars(select(OutboundMessage))}
        [report] = session.scalars(select(HealthReport))
    assert {key: m.status for key, m in sent.items()} == {
        ("notice", PERSON): "sent", ("notice", "+84912000002"): "sent",
        ("alert", MANAGER_PHONE): "sent", ("reminder", "+84912000002"): "sent",
        ("digest", MANAGER_PHONE): "sent"}
    assert sent[("digest", MANAGER_PHONE)].body.startswith(
        "Cach ly 10/03: 2 dang theo doi, 1 da bao cao, 1 co trieu chung, 1 chua bao cao. "
        "Trieu chung: Nguyen Van An (!).")
    assert (report.symptoms, report.temperature, report.danger) == ([3], 39.0, True)
