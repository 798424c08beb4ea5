"""`TT` from a person in quarantine: the days left show whether or not the phone has a
valid declaration (the contract: TT shows quarantine days left)."""

from __future__ import annotations

from datetime import timedelta

from gateway import runtime
from gateway.days import local_date
from gateway.store.models import utcnow
from tests.quarantine.conftest import add_case


def test_tt_without_a_declaration_shows_the_quarantine_days_left(app, manager, person):
    today = local_date(utcnow(), runtime.of(app).config.tz)
    end = today + timedelta(days=4)
    add_case(app, start=today - timedelta(days=2), end=end)
    reply = person.sms("TT")
    assert "Ban chua co khai bao y te con hieu luc" in reply
    assert f"Con 5 ngay cach ly (den het {end:%d/%m})." in reply


def test_tt_on_the_last_day_counts_today(app, manager, person):
    today = local_date(utcnow(), runtime.of(app).config.tz)
    add_case(app, start=today - timedelta(days=9), end=today)
    assert "Con 1 ngay cach ly" in person.sms("TT")


def test_tt_outside_quarantine_says_nothing_of_it(app, manager, person):
    today = local_date(utcnow(), runtime.of(app).config.tz)
    add_case(app, start=today - timedelta(days=9), end=today - timedelta(days=1))
    assert "cach ly" not in person.sms("TT")
