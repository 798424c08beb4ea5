"""The exposure rules and the once-only guarantee, on PostgreSQL and on SQLite (the
embedded mode): which overlaps count (minimum overlap, margin), and two confirmations
at once — of one case, or of two cases over the same visit — text a phone once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gateway import runtime as runtimes
from gateway.store.db import transaction
from gateway.store.models import ExposureNotice, OutboundMessage, Visit
from gateway.tracing import marking, notifying
from tests.conftest import Phone
from tests.tracing.conftest import CASE, START, place, visit

SECOND = "+84912000009"


@pytest.fixture(params=["postgresql", "sqlite"])
def any_app(request):
    """The PostgreSQL app, or the embedded one (SQLite, in-process Redis)."""
    return request.getfixturevalue("app" if request.param == "postgresql" else "demo_app")


def mark(app, phone: str = CASE) -> marking.Marked:
    rt = runtimes.of(app)
    with transaction(rt.sessions) as session:
        marked = marking.mark(session, rt.config, phone=phone,
                              start=START - timedelta(hours=12),
                              end=START + timedelta(hours=12), area=None, channel="hotline",
                              operator="officer")
        session.expunge(marked.case)
        return marked


def notify(app, case_id: int) -> int:
    return notifying.notify(runtimes.of(app), case_id, by="officer", channel="hotline",
                            area=None, audit=lambda *_: None).queued


def texted(app) -> dict[str, int]:
    with runtimes.of(app).sessions() as session:
        return dict(session.execute(select(OutboundMessage.phone, func.count())
                                    .where(OutboundMessage.kind == "exposure")
                                    .group_by(OutboundMessage.phone)).all())


# (minutes after the case arrived, minutes stayed) → counted? The case stayed 60
# minutes; the margin is 30 and the minimum overlap 15 (the defaults).
RULES = [((0, 60), True), ((45, 15), True), ((50, 15), True), ((60, 30), True),
         ((75, 15), True), ((76, 15), False), ((-45, 29), False), ((-45, 30), True),
         ((-120, 60), False), ((200, 30), False), ((10, 14), False)]


def test_which_overlaps_count(any_app):
    market = place(any_app, "Cho")
    visit(any_app, market, CASE, START, 60)
    expected = set()
    for index, ((after, stayed), counted) in enumerate(RULES):
        phone = f"+8498700{index:04d}"
        visit(any_app, market, phone, START + timedelta(minutes=after), stayed)
        if counted:
            expected.add(phone)
    marked = mark(any_app)
    assert marked.added == len(expected)
    assert notify(any_app, marked.case.id) == len(expected)
    assert set(texted(any_app)) == expected


def test_marking_twice_and_a_second_case_text_nobody_again(any_app):
    market = place(any_app, "Cho")
    visit(any_app, market, CASE, START, 60)
    visit(any_app, market, SECOND, START, 60)
    for n in range(3):
        visit(any_app, market, f"+849870000{n:02d}", START + timedelta(minutes=10), 30)
    first = mark(any_app)
    assert notify(any_app, first.case.id) == 4  # the three, and SECOND
    again = mark(any_app)
    assert (again.case.id, again.created, again.added) == (first.case.id, False, 0)
    assert notify(any_app, first.case.id) == 0
    other = mark(any_app, SECOND)
    assert notify(any_app, other.case.id) == 1  # only CASE, exposed to SECOND
    assert set(texted(any_app).values()) == {1}


def test_two_confirmations_at_once_text_each_phone_once(app):
    market = place(app, "Cho")
    visit(app, market, CASE, START, 60)
    visit(app, market, SECOND, START, 60)
    for n in range(50):
        visit(app, market, f"+849870{n:04d}", START + timedelta(minutes=5), 40)
    cases = [mark(app).case.id, mark(app, SECOND).case.id]
    results, barrier = [], threading.Barrier(4)

    def confirm(case_id: int) -> None:
        barrier.wait()
        results.append(notify(app, case_id))

    threads = [threading.Thread(target=confirm, args=(case_id,))
               for case_id in cases + cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 52  # the 50, CASE and SECOND: each once
    assert set(texted(app).values()) == {1} and len(texted(app)) == 52
    with runtimes.of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(ExposureNotice)) == 52


def test_an_open_visit_counts_until_now_and_two_stays_are_two_exposures(app):
    market = place(app, "Cho")
    visit(app, market, CASE, START, 60)
    visit(app, market, CASE, START + timedelta(hours=3), 60)
    visit(app, market, "+84987000001", START + timedelta(minutes=10), 30)
    visit(app, market, "+84987000001", START + timedelta(hours=3, minutes=10), 30)
    with transaction(runtimes.of(app).sessions) as session:  # never checked out
        session.add(Visit(venue_id=market, phone="+84987000002", channel="sms",
                          checked_in_at=START + timedelta(hours=3, minutes=30)))
    marked = mark(app)
    assert marked.added == 3
    assert notify(app, marked.case.id) == 3
    assert texted(app) == {"+84987000001": 2, "+84987000002": 1}


def test_each_phone_is_texted_in_its_language(app, client):
    market = place(app, "Cho Dong Xuan")
    visit(app, market, CASE, START, 60)
    visit(app, market, "+84987000001", START, 60)
    visit(app, market, "+84987000002", START, 60)
    assert Phone(client, "+84987000002").sms("EN").startswith("Replies are now in English")
    assert notify(app, mark(app).case.id) == 2
    with runtimes.of(app).sessions() as session:
        bodies = dict(session.execute(select(OutboundMessage.phone, OutboundMessage.body)
                                      .where(OutboundMessage.kind == "exposure")).all())
    assert bodies["+84987000001"].startswith("Co the ban da tiep xuc nguoi benh o Cho Dong")
    assert bodies["+84987000002"].startswith("You may have been exposed at Cho Dong Xuan")
