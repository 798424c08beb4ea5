"""The pieces of exposure notification that need no database: which texts answer a
notice, the EXPOSURE_* settings, and the notice's text at its longest (one GSM-7
segment, whatever the venue is called); and, end to end, a phone in quarantine whose
`2` opens today's report instead of a declaration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway import runtime as runtimes
from gateway.config import Config, ConfigError
from gateway.flows.exposure import answer_of
from gateway.quarantine.enrol import enrol
from gateway.store import exposures as store
from gateway.store import users
from gateway.store.db import transaction
from gateway.text import SMS_SEGMENT_CHARS, septets
from gateway.tracing.notifying import body, venue_name
from tests.conftest import DATA_KEY, Phone
from tests.tracing.conftest import CASE, START, place, visit
from tests.tracing.test_exposure_store import mark, notify

CONTACT = "+84987000001"

ANSWERS = [("1", "isolating"), (" 1. ", "isolating"), ("2", "symptoms"), ("2!", "symptoms"),
           ("12", None), ("1 2", None), ("3", None), ("0", None), ("KB", None), ("", None),
           ("1 3 38.5", None)]


@pytest.mark.parametrize(("text", "answer"), ANSWERS)
def test_which_texts_answer_a_notice(text, answer):
    assert answer_of(text) == answer


BASE = {"SECRET_KEY": "s3cret", "DATA_ENCRYPTION_KEY": DATA_KEY}


def test_the_settings_and_their_defaults():
    config = Config.from_env(environ=BASE, dotenv=False)
    assert (config.exposure_min_overlap_minutes, config.exposure_margin_minutes,
            config.exposure_answer_days) == (15, 30, 7)
    config = Config.from_env(environ={**BASE, "EXPOSURE_MIN_OVERLAP_MINUTES": "5",
                                      "EXPOSURE_MARGIN_MINUTES": "0",
                                      "EXPOSURE_ANSWER_DAYS": "14"}, dotenv=False)
    assert (config.exposure_min_overlap_minutes, config.exposure_margin_minutes,
            config.exposure_answer_days) == (5, 0, 14)


@pytest.mark.parametrize(("env", "message"), [
    ({"EXPOSURE_MIN_OVERLAP_MINUTES": "0"},
     "EXPOSURE_MIN_OVERLAP_MINUTES must be a whole number from 1 to 1440, not 0"),
    ({"EXPOSURE_MARGIN_MINUTES": "half"},
     "EXPOSURE_MARGIN_MINUTES must be a whole number from 0 to 1440, not 'half'"),
    ({"EXPOSURE_ANSWER_DAYS": "90"},
     "EXPOSURE_ANSWER_DAYS must be a whole number from 1 to 60, not 90")])
def test_a_bad_setting_names_its_variable(env, message):
    with pytest.raises(ConfigError) as refused:
        Config.from_env(environ={**BASE, **env}, dotenv=False)
    assert str(refused.value) == message


@pytest.mark.parametrize("name", [
    "Chợ đầu mối nông sản thực phẩm Bình Điền [Khu A] {cổng 3} ~ € ^",
    "Z" * 120, "Trung tâm thương mại Vincom Đồng Khởi – tầng hầm B2"])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_notice_is_one_segment_whatever_the_venue(name, language):
    row = store.ToText(1, "+84987000001", language, name,
                       datetime(2026, 12, 31, 16, 59, tzinfo=UTC))
    text = body(row, Config().tz)
    assert septets(text) is not None and septets(text) <= SMS_SEGMENT_CHARS, text
    assert venue_name(name) in text and "23:59 31/12" in text


def test_symptoms_from_a_phone_in_quarantine_open_todays_report(app, client):
    sessions = runtimes.of(app).sessions
    with transaction(sessions) as session:
        users.create(session, username="bs_lan", role="manager", phone="+84903000001")
    market = place(app, "Cho")
    visit(app, market, CASE, START, 60)
    visit(app, market, CONTACT, START, 60)
    today = datetime.now(Config().tz).date()
    with transaction(sessions) as session:
        enrol(session, phone=CONTACT, name="Tran Thi B", manager="bs_lan",
              start=today - timedelta(days=1), end=today + timedelta(days=12))
    assert notify(app, mark(app).case.id) == 1
    reply = Phone(client, CONTACT).sms("2")
    assert reply.startswith("Cam on ban. Hay bao cao suc khoe hom nay")
    assert "Bao cao suc khoe: 0 neu khoe" in reply  # the report's question, at once
    # Its answer is today's report, as any reply to the report's question.
    assert Phone(client, CONTACT).sms("1 2").startswith("Da ghi nhan")


def test_residents_of_an_isolation_area_answer_a_notice(app, client):
    """An isolation area's residents are active cases: `2` opens today's report (of
    their area case), `1` gets the advice and is not taken for a fever report; a later
    bare `1` is an ordinary reply to the reminder, a report."""
    from sqlalchemy import select

    from gateway.quarantine import isolation
    from gateway.store.models import ExposureNotice, HealthReport
    from tests.tracing.conftest import HN, HN_WARD
    sessions = runtimes.of(app).sessions
    today = datetime.now(Config().tz).date()
    reports_first, isolating_first = "+84987000011", "+84987000012"
    with transaction(sessions) as session:
        manager = users.create(session, username="bs_lan", role="manager",
                               phone="+84903000001")
        area = isolation.declare(session, province_code=HN, ward_code=HN_WARD, street="",
                                 start=today, end=today + timedelta(days=9), manager=manager,
                                 declared_by=None, officer_area=None, channel="hotline",
                                 operator="bs_lan", day=today)
        cases = {phone: isolation.join(session, area, phone=phone, full_name="Nguoi o khu",
                                       channel="sms", day=today).id
                 for phone in (reports_first, isolating_first)}
    market = place(app, "Cho")
    visit(app, market, CASE, START, 60)
    for phone in cases:
        visit(app, market, phone, START, 60)
    assert notify(app, mark(app).case.id) == 2

    first = Phone(client, reports_first)
    reply = first.sms("2")
    assert reply.startswith("Cam on ban. Hay bao cao suc khoe hom nay")
    assert "Bao cao suc khoe: 0 neu khoe" in reply
    assert first.sms("0").startswith("Da ghi nhan")
    second = Phone(client, isolating_first)
    assert second.sms("1").startswith("Cam on ban. Hay o nha")
    with sessions() as session:
        reported = dict(session.execute(select(HealthReport.case_id, HealthReport.symptoms)).all())
        answers = dict(session.execute(select(ExposureNotice.phone, ExposureNotice.answer)).all())
    assert reported == {cases[reports_first]: []}  # the area case, today
    assert answers == {reports_first: "symptoms", isolating_first: "isolating"}
    # the notice is answered: a bare 1 now is a report (fever), as to the reminder
    assert second.sms("1").startswith("Da ghi nhan")
    with sessions() as session:
        assert session.scalar(select(HealthReport.symptoms).where(
            HealthReport.case_id == cases[isolating_first])) == [1]
