"""The daily report end to end, through the real webhooks: every accepted form (bare
reply, SK/BC/REPORT, USSD menu), refusals that ask again with an example, one report
per case and local day (a later one amends it), timezone edges, phones without an
active case, and the danger-sign alert: its recipient, content and once-only sending."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from gateway import runtime as runtimes
from gateway.flows.report import FEVER_TEMPERATURE
from gateway.store.db import transaction
from gateway.store.models import QuarantineCase
from tests.conftest import Phone
from tests.quarantine.conftest import (
    DAY,
    MANAGER_PHONE,
    PERSON,
    add_case,
    add_manager,
    case_of,
    outbox,
    reports_of,
)

PROMPT = "Bao cao suc khoe: 0 neu khoe"


@pytest.fixture
def case(app, manager) -> int:
    """An active case for PERSON (started 3 days ago), its welcome SMS already sent."""
    return add_case(app)


@pytest.mark.parametrize(("text", "symptoms", "temperature", "echo"), [
    ("0", [], None, "khong trieu chung"),
    ("1 3", [1, 3], None, "sot, kho tho"),
    ("13", [1, 3], None, "sot, kho tho"),
    ("1,3", [1, 3], None, "sot, kho tho"),
    ("1 3 38.5", [1, 3], 38.5, "sot, kho tho, 38.5C"),
    ("38,5", [], 38.5, "38.5C"),
    ("SK 0", [], None, "khong trieu chung"),
    ("BC 1", [1], None, "sot"),
    ("REPORT 2 37.8", [2], 37.8, "ho, 37.8C"),
    ("sk: 4 5", [4, 5], None, "dau hong, met"),
    ("Bc 6 36,6 độ", [6], 36.6, "mat vi, 36.6C"),
    ("khoẻ", [], None, "khong trieu chung"),
])
def test_every_accepted_form_is_todays_report(app, case, clock, person, text, symptoms,
                                              temperature, echo):
    reply = person.sms(text)
    # A day without symptoms or fever is thanked ("bao cao ngay"); any other day gets
    # advice after the shorter echo.
    well = not symptoms and (temperature is None or temperature < FEVER_TEMPERATURE)
    echoed = f"bao cao ngay 10/03: {echo}." if well else f"10/03: {echo}."
    assert reply.startswith(f"Da ghi nhan {echoed}"), reply
    [stored] = reports_of(app, case)
    assert (stored.report_date, stored.symptoms, stored.temperature) == (
        DAY, symptoms, temperature)
    assert (stored.channel, stored.danger) == ("sms", 3 in symptoms)


def test_a_well_report_is_thanked_with_the_days_left(case, clock, person):
    assert person.sms("0") == ("Da ghi nhan bao cao ngay 10/03: khong trieu chung. Cam on "
                               "ban. Con 11 ngay cach ly.")


def test_symptoms_get_advice_without_an_alert(app, case, clock, person):
    reply = person.sms("1 2 37.8")
    assert reply == ("Da ghi nhan 10/03: sot, ho, 37.8C. Nghi ngoi. Neu kho tho, dau nguc, "
                     "lu lan, sot cao: goi 115/1022.")
    assert outbox(app, "alert") == [] and not case_of(app, case).alert


@pytest.mark.parametrize(("text", "explanation"), [
    ("37", "37 la nhiet do hay trieu chung? Nhiet do viet co dau cham (vd 38.0), trieu "
           "chung viet cach nhau (vd 3 8)."),
    ("385", "385 la nhiet do hay trieu chung?"),
    ("45.5", "Nhiet do phai tu 34 den 43 do, vd: 38.5"),
    ("sot cao", "Chua ro bao cao cua ban."),
    ("1-3", "Chua ro bao cao cua ban."),
    ("9", "Chua ro bao cao cua ban."),
    ("0 1", "Chua ro bao cao cua ban."),
    ("SK 1 3 38.5 39", "Chua ro bao cao cua ban."),
])
def test_an_unclear_report_is_explained_and_asked_again_with_an_example(
        app, case, clock, person, text, explanation):
    reply = person.sms(text)
    first, prompt = reply.split("\n")
    assert first.startswith(explanation)
    assert prompt.startswith(PROMPT) and prompt.endswith("Vd: 1 3 38.5")
    assert reports_of(app, case) == []
    # The dialogue waits for the report: the next message answers it.
    assert person.sms("1 3 37").startswith("Da ghi nhan 10/03: sot, kho tho, 37.0C")
    assert reports_of(app, case)[0].symptoms == [1, 3]


def test_sk_alone_asks_for_the_report(app, case, clock, person):
    assert person.sms("SK").startswith(PROMPT)
    assert person.sms("2") .startswith("Da ghi nhan 10/03: ho.")
    assert [r.symptoms for r in reports_of(app, case)] == [[2]]


def test_three_unclear_answers_end_the_dialogue_politely(app, case, clock, person):
    person.sms("SK")
    person.sms("x")
    person.sms("y")
    assert "Qua nhieu lan nhap sai" in person.sms("z")
    assert reports_of(app, case) == []
    assert person.sms("0").startswith("Da ghi nhan")  # a bare reply is a report again


def test_a_later_report_the_same_day_amends_it(app, case, clock, person):
    person.sms("0")
    clock.set(clock.now + timedelta(hours=5))
    assert person.sms("2 38,2").startswith("Da cap nhat 10/03: ho, 38.2C.")
    [stored] = reports_of(app, case)
    assert (stored.symptoms, stored.temperature) == ([2], 38.2)
    assert stored.updated_at > stored.created_at


@pytest.mark.parametrize(("first", "second", "days"), [
    # 23:59 and 00:01 in Hanoi (UTC+7) are two local days, though the same UTC day.
    (datetime(2026, 3, 10, 16, 59, tzinfo=UTC), datetime(2026, 3, 10, 17, 1, tzinfo=UTC),
     ["10/03", "11/03"]),
    # 00:01 and 23:59 of one local day span two UTC days: one report, amended.
    (datetime(2026, 3, 9, 17, 1, tzinfo=UTC), datetime(2026, 3, 10, 16, 59, tzinfo=UTC),
     ["10/03", "10/03"]),
])
def test_reports_belong_to_local_days(app, case, clock, person, first, second, days):
    clock.set(first)
    assert f" {days[0]}: " in person.sms("0")
    clock.set(second)
    assert f" {days[1]}: " in person.sms("1")
    assert len(reports_of(app, case)) == len(set(days))


def test_a_phone_without_an_active_case_is_told_politely(app, manager, clock, client):
    stranger = Phone(client, "+84987000002")
    assert stranger.sms("SK 0").startswith("So nay khong co trong danh sach cach ly.")
    assert stranger.sms("0").startswith("KB: khai bao y te")  # a bare '0' is no report


@pytest.mark.parametrize(("start", "end"), [
    (DAY - timedelta(days=14), DAY - timedelta(days=1)),   # ended yesterday
    (DAY + timedelta(days=1), DAY + timedelta(days=14)),   # starts tomorrow
])
def test_a_case_outside_its_dates_takes_no_report(app, manager, clock, person, start, end):
    case = add_case(app, start=start, end=end)
    assert person.sms("SK 1").startswith("So nay khong co")
    assert person.sms("1").startswith("KB: khai bao y te")
    assert reports_of(app, case) == []


def test_a_closed_case_takes_no_report(app, case, clock, person):
    with transaction(runtimes.of(app).sessions) as session:
        session.get(QuarantineCase, case).status = "closed"
    assert person.sms("SK 0").startswith("So nay khong co")


def test_reports_in_english(app, case, clock, person):
    person.sms("EN")
    assert person.sms("0") == ("Recorded your report for 10/03: no symptoms. Thank you. 11 "
                               "days of quarantine left.")


# --- danger signs ------------------------------------------------------------------

def test_danger_signs_alert_the_manager_at_once(app, case, clock, person, inbox):
    inbox.messages(PERSON)  # the welcome SMS, out of the way
    reply = person.sms("1 3 39.5")
    assert reply == ("Da ghi nhan 10/03: sot, kho tho, 39.5C. NGUY HIEM: goi ngay 115 (cap "
                     "cuu) hoac 1022. Da bao can bo quan ly.")
    [alert] = inbox.messages(MANAGER_PHONE)
    assert alert["body"] == ("KHAN cach ly +849*****001 Nguyen Van An: sot, kho tho, 39.5C "
                             "luc 10:00. Goi ngay.")
    [stored] = outbox(app, "alert")
    assert (stored.phone, stored.priority, stored.status) == (MANAGER_PHONE, "high", "sent")
    assert case_of(app, case).alert
    assert reports_of(app, case)[0].danger
    assert PERSON[4:] not in alert["body"]  # the number is masked


@pytest.mark.parametrize("text", ["3", "7", "8", "39", "0 40,2", "REPORT 1 2 8"])
def test_every_danger_sign_alerts(app, case, clock, person, text):
    assert "NGUY HIEM" in person.sms(text)
    assert [m.phone for m in outbox(app, "alert")] == [MANAGER_PHONE]


def test_the_same_danger_report_alerts_once_and_new_signs_again(app, case, clock, person,
                                                                inbox):
    person.sms("3")
    person.sms("SK 3")  # sent twice, or amended with the same answers
    clock.set(clock.now + timedelta(hours=2))
    person.sms("3 7 39")
    bodies = [m["body"] for m in inbox.messages(MANAGER_PHONE)]
    assert len(bodies) == 2
    assert "kho tho luc 10:00" in bodies[0] and "kho tho, dau nguc, 39.0C luc 12:00" in bodies[1]


def test_only_the_cases_own_manager_is_alerted(app, case, clock, client, inbox):
    add_manager(app, "bs_binh", "+84903000002")
    other = add_case(app, phone="+84912000009", name="Tran Thi Binh", manager="bs_binh")
    Phone(client, "+84912000009").sms("8")
    [alert] = inbox.messages("+84903000002")
    assert "Tran Thi Binh: lu lan" in alert["body"]
    assert inbox.messages(MANAGER_PHONE) == []
    assert case_of(app, other).alert and not case_of(app, case).alert


def test_a_manager_without_a_phone_still_sees_the_case_marked(app, clock, person, caplog):
    add_manager(app, "bs_nophone", phone=None)
    case = add_case(app, manager="bs_nophone")
    assert "NGUY HIEM" in person.sms("3")
    assert outbox(app, "alert") == []
    assert case_of(app, case).alert
    assert "manager has no phone" in caplog.text


class TestConfiguredDangerSigns:
    """DANGER_TEMPERATURE=38 and DANGER_SYMPTOMS=1,3: fever is a danger sign too."""

    @pytest.fixture
    def config(self, config):
        return replace(config, danger_temperature=38.0, danger_symptoms=(1, 3))

    def test_thresholds_come_from_the_configuration(self, app, case, clock, person):
        assert "NGUY HIEM" in person.sms("0 38.2")
        assert "NGUY HIEM" in person.sms("1")
        assert "NGUY HIEM" not in person.sms("7")  # no longer a danger sign here
        assert len(outbox(app, "alert")) == 2


# --- USSD ------------------------------------------------------------------------

def test_ussd_menu_3_reports_as_a_menu(app, case, clock, person):
    assert "3 Bao cao suc khoe" in person.dial()
    screen = person.press("3")
    assert screen.startswith("CON Trieu chung hom nay (nhap lien, vd 13):\n0 Khong co\n1 Sot")
    assert person.press("13").startswith("CON Nhiet do (vd 385 la 38.5 do)")
    assert person.press("385").startswith("END Da ghi nhan 10/03: sot, kho tho, 38.5C.")
    [stored] = reports_of(app, case)
    assert (stored.symptoms, stored.temperature, stored.channel) == ([1, 3], 38.5, "ussd")
    assert len(outbox(app, "alert")) == 1


def test_ussd_report_without_temperature_and_a_wrong_key(app, case, clock, person):
    person.dial()
    person.press("3")
    assert "Nhap 0, hoac cac so tu 1 den 8" in person.press("9")
    person.press("0")
    assert person.press("3855").startswith("CON Nhap 3 so, vd 385 la 38.5 do")
    assert person.press("0").startswith("END Da ghi nhan bao cao ngay 10/03: khong trieu")
    assert (reports_of(app, case)[0].symptoms, reports_of(app, case)[0].temperature) == (
        [], None)


def test_ussd_without_a_case(app, manager, clock, client):
    stranger = Phone(client, "+84987000002")
    stranger.dial()
    assert stranger.press("3").startswith("END So nay khong co trong danh sach cach ly.")
