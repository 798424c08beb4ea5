"""Data-subject request tests run the production setup of the declaration tests
(PostgreSQL, real Redis, Twilio through the stand-in, a real RQ worker), and seed one
person's records straight through the store's record functions."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from gateway import runtime as runtimes
from gateway.store import declarations, users, venues
from gateway.store.db import transaction
from gateway.store.models import Event, HealthReport, QuarantineCase
from tests.declare.conftest import ME, MEMBER, config, inbox, me  # noqa: F401  (fixtures)

OTHER = "+84977000111"


def declare(app, subject: str | None = ME, declarer: str = ME, name: str = "Nguyễn Văn An",
            id_number: str | None = "012345678901") -> int:
    """A declaration about `subject`, made from `declarer`; its id."""
    with transaction(runtimes.of(app).sessions) as session:
        return declarations.create(
            session, valid_hours=24, declarer_phone=declarer, subject_phone=subject,
            relation="self" if subject == declarer else "child", full_name=name,
            birth_year=1980, gender="male", id_type="cccd", id_number=id_number,
            insurance_number=None, province_code=1, province_name="Thành phố Hà Nội",
            ward_code=1, ward_name="Phường Hoàn Kiếm", street="12 Hàng Bạc", symptoms=[],
            contact=False, travel=False, risk="low", follow_up=False, channel="sms",
            verification="otp", form_version="test", answers={}).id


def visit(app, phone: str = ME, declaration_id: int | None = None) -> int:
    """A check-in of `phone` at a new venue; the visit's id."""
    with transaction(runtimes.of(app).sessions) as session:
        venue = venues.create(session, name="Cho Dong Xuan", kind="market", province_code=1,
                              province_name="Thành phố Hà Nội")
        return venues.check_in(session, venue, phone, channel="sms",
                               repeat_window=timedelta(minutes=1),
                               declaration_id=declaration_id).visit.id


def case(app, phone: str = ME, status: str = "active") -> int:
    """A quarantine case of `phone` with one daily report; the case's id."""
    today = date.today()
    with transaction(runtimes.of(app).sessions) as session:
        manager = users.by_username(session, "bs_lan") or users.create(
            session, username="bs_lan", role="manager")
        row = QuarantineCase(phone=phone, full_name="Nguyen Van An", kind="home",
                             start_date=today - timedelta(days=3),
                             end_date=today + timedelta(days=10), manager_id=manager.id,
                             status=status)
        session.add(row)
        session.flush()
        session.add(HealthReport(case_id=row.id, report_date=today, symptoms=[],
                                 channel="sms"))
        return row.id


def count(app, model, **where) -> int:
    """How many rows of `model` match the column values `where`."""
    with runtimes.of(app).sessions() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


def deleted_events(app, topic: str) -> set[int]:
    """Record ids of the `deleted` events of `topic` on the change feed."""
    with runtimes.of(app).sessions() as session:
        return set(session.scalars(select(Event.record_id).where(
            Event.topic == topic, Event.action == "deleted")))

