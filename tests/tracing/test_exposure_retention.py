"""Exposure records are personal data like the others: the purge takes a case once the
visits' retention has passed its window, an exposed phone's erasure takes its
exposures and notices with its visits, a case's erasure takes the case — each with
its `deleted` event in the change feed — and an access request exports them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from gateway import purge as purging
from gateway import runtime as runtimes
from gateway.privacy import erasure, held
from gateway.store.db import transaction
from gateway.store.models import Event, Exposure, ExposureCase, ExposureNotice
from tests.conftest import Phone
from tests.tracing.conftest import CASE, START, place, visit
from tests.tracing.test_exposure_store import mark, notify

NEAR = "+84987000001"


def count(app, model) -> int:
    with runtimes.of(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def deleted(app, topic: str) -> int:
    with runtimes.of(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(Event).where(
            Event.topic == topic, Event.action == "deleted"))


def marked_and_notified(app) -> int:
    market = place(app, "Cho")
    visit(app, market, CASE, START, 60)
    visit(app, market, NEAR, START, 60)
    case = mark(app).case.id
    assert notify(app, case) == 1
    return case


def test_an_exposed_phones_erasure_takes_its_exposure_and_notice(app):
    marked_and_notified(app)
    with transaction(runtimes.of(app).sessions) as session:
        erasure.erase_records(session, NEAR)
    assert (count(app, Exposure), count(app, ExposureNotice), count(app, ExposureCase)) == (
        0, 0, 1)
    assert (deleted(app, "exposure"), deleted(app, "exposure_notice")) == (1, 1)


def test_the_cases_erasure_takes_the_case(app):
    marked_and_notified(app)
    with transaction(runtimes.of(app).sessions) as session:
        erasure.erase_records(session, CASE)
    assert (count(app, ExposureCase), count(app, Exposure)) == (0, 0)
    assert count(app, ExposureNotice) == 1  # NEAR's: about NEAR's visit, kept with it
    assert deleted(app, "exposure_case") == 1


def test_the_purge_takes_cases_after_the_visits_retention(app):
    marked_and_notified(app)
    rt = runtimes.of(app)
    days = rt.config.retention["visits"]
    purging.run(rt, as_of=START + days - timedelta(days=2))
    assert count(app, ExposureCase) == 1
    purging.run(rt, as_of=START + days + timedelta(days=2))
    assert (count(app, ExposureCase), count(app, Exposure), count(app, ExposureNotice)) == (
        0, 0, 0)


def test_an_access_request_exports_the_notices_and_the_marking(app, client):
    case = marked_and_notified(app)
    Phone(client, NEAR).sms("1")
    with runtimes.of(app).sessions() as session:
        exposed, marked = held.export(session, NEAR), held.export(session, CASE)
    [notice] = exposed["exposure_notices"]
    assert (notice["answer"], notice["answer_channel"]) == ("isolating", "sms")
    assert exposed["exposure_cases"] == [] and CASE not in held.to_json(exposed)
    assert [c["id"] for c in marked["exposure_cases"]] == [case]
