"""Administrators handle data-subject requests in the console: record one, see its
deadlines (overdue ones stand out), acknowledge it, export the person's records as
JSON and CSV, erase them (an active case is kept and the page says why); every step
is audited and no other role gets in."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.store import consents, data_requests
from gateway.store.db import transaction
from gateway.store.models import DataRequest, Declaration, QuarantineCase, utcnow
from tests.browser import WAIT_SECONDS, wait_for
from tests.conftest import Phone as FeaturePhone
from tests.hotline.conftest import CALLER, Console, audit_entries, make_user, sign_in, text
from tests.privacy.conftest import case, count, declare

PAGE = "/hotline/admin/data-requests"


def admin(app) -> Console:
    make_user(app, "adm1", "admin")
    browser = Console(app.test_client())
    assert browser.login("adm1").status_code == 302
    return browser


def stored(app) -> list[DataRequest]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(DataRequest).order_by(DataRequest.id)))


def received_long_ago(app, kind: str = "erasure") -> int:
    """A request received 40 days ago and never handled."""
    then = utcnow() - timedelta(days=40)
    with transaction(runtimes.of(app).sessions) as session:
        return data_requests.record(session, phone=CALLER, kind=kind, channel="hotline",
                                    received_at=then, acknowledge_by=then + timedelta(days=2),
                                    deadline=then + timedelta(days=20)).id


def test_an_admin_records_a_request_with_its_deadlines(app):
    browser = admin(app)
    assert browser.post(PAGE, {"phone": "0912 345 678", "kind": "erasure"}).status_code == 302
    [request] = stored(app)
    assert (request.phone, request.kind, request.channel, request.operator) == (
        CALLER, "erasure", "hotline", "adm1")
    assert request.acknowledged_at is None
    assert timedelta(days=20) <= request.deadline - request.received_at < timedelta(days=25)
    page = text(browser.get(PAGE))
    assert "+849*****678" in page and "Xóa dữ liệu" in page
    assert CALLER not in page  # the list shows masked numbers
    assert 'class="overdue"' not in page  # received now: nothing is late
    assert [(e.action, e.phone) for e in audit_entries(app)] == [("privacy.request", CALLER)]


def test_a_bad_phone_or_kind_is_explained(app):
    browser = admin(app)
    response = browser.post(PAGE, {"phone": "12", "kind": "forget"})
    assert response.status_code == 400
    assert stored(app) == []


def test_an_overdue_request_stands_out_until_done(app):
    request_id = received_long_ago(app)
    browser = admin(app)
    page = text(browser.get(PAGE))
    assert f'<tr id="request-{request_id}" class="overdue">' in page and "QUÁ HẠN" in page


def test_acknowledge_is_recorded_once_and_audited(app):
    request_id = received_long_ago(app, "access")
    browser = admin(app)
    browser.get(PAGE)
    for _ in range(2):
        assert browser.post(f"{PAGE}/{request_id}/acknowledge").status_code == 302
    [request] = stored(app)
    assert request.acknowledged_at is not None
    assert [e.action for e in audit_entries(app)] == ["privacy.acknowledge"]


def test_export_as_json_and_csv_answers_an_access_request(app):
    declare(app, name="Trần Thị Bình")
    with transaction(runtimes.of(app).sessions) as session:
        consents.record(session, phone=CALLER, channel="hotline", answer="agree",
                        notice_version="v7", operator="op1")
    request_id = received_long_ago(app, "access")
    browser = admin(app)
    browser.get(PAGE)
    response = browser.post(f"{PAGE}/{request_id}/export", {"format": "json"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="data-request-{request_id}.json"')
    records = json.loads(response.get_data(as_text=True))
    assert records["phone"] == CALLER
    assert [d["full_name"] for d in records["declarations"]] == ["Trần Thị Bình"]
    assert [r["id"] for r in records["data_requests"]] == [request_id]
    assert [(c["answer"], c["notice_version"], c["operator"]) for c in records["consents"]] == [
        ("agree", "v7", "op1")]
    response = browser.post(f"{PAGE}/{request_id}/export", {"format": "csv"})
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["kind", "id", "field", "value"]
    assert ["declarations", rows[1][1], "full_name", "Trần Thị Bình"] in rows
    assert ["consents", records["consents"][0]["id"], "answer", "agree"] in [
        [kind, int(row_id), field, value] for kind, row_id, field, value in rows[1:]]
    [request] = stored(app)
    assert request.outcome == "done" and request.done_at is not None
    assert [e.action for e in audit_entries(app)] == ["privacy.export", "privacy.export"]


def test_erasure_keeps_an_active_case_and_shows_why(app):
    declare(app)
    active = case(app)
    request_id = received_long_ago(app, "erasure")
    browser = admin(app)
    browser.get(PAGE)
    response = browser.post(f"{PAGE}/{request_id}/erase", follow_redirects=True)
    page = text(response)
    assert "trừ phần luật buộc giữ lại: active quarantine case kept while it lasts" in page
    [request] = stored(app)
    assert (request.outcome, request.operator) == ("partial", "adm1")
    assert count(app, QuarantineCase, id=active) == 1 and count(app, Declaration) == 0
    assert [(e.action, e.phone) for e in audit_entries(app)] == [("privacy.erase", CALLER)]
    # Done: it cannot be performed again.
    again = browser.post(f"{PAGE}/{request_id}/erase", follow_redirects=True)
    assert "không phải yêu cầu xóa đang mở" in text(again)


def test_an_erasure_without_anything_to_keep(app):
    declare(app)
    request_id = received_long_ago(app, "erasure")
    browser = admin(app)
    browser.get(PAGE)
    page = text(browser.post(f"{PAGE}/{request_id}/erase", follow_redirects=True))
    assert "Đã xóa dữ liệu của +849*****678" in page
    assert stored(app)[0].outcome == "done" and count(app, Declaration) == 0


def test_only_admins(app, operator):
    assert operator.get(PAGE).status_code == 403
    assert operator.post(f"{PAGE}/1/erase").status_code == 403


def test_in_the_browser_an_admin_records_and_performs_an_erasure(app, served, chrome):
    declare(app)
    make_user(app, "adm1", "admin")
    sign_in(chrome, served, "adm1")
    chrome.find_element(By.LINK_TEXT, "Yêu cầu về dữ liệu").click()
    wait_for(chrome, "#phone").send_keys("0912 345 678")
    Select(chrome.find_element(By.ID, "kind")).select_by_value("erasure")
    chrome.find_element(By.CSS_SELECTOR, "form[novalidate] button.primary").click()
    row = wait_for(chrome, "#request-1")
    assert "+849*****678" in row.text and "Xóa dữ liệu" in row.text
    row.find_element(By.CSS_SELECTOR, "button.danger").click()
    # The page before had a success flash too (the request recorded): wait for the new one.
    WebDriverWait(chrome, WAIT_SECONDS).until(ready.staleness_of(row))
    flash = wait_for(chrome, "p.flash.success")
    assert flash.text == ("Đã xóa dữ liệu của +849*****678 (yêu cầu số 1); các bản ghi đồng ý "
                          "và yêu cầu được giữ làm bằng chứng.")
    assert "Đã thực hiện" in chrome.find_element(By.ID, "request-1").text
    assert count(app, Declaration) == 0
    blocked = [entry["message"] for entry in chrome.get_log("browser")
               if "Content Security Policy" in entry["message"]]
    assert blocked == []


def test_a_refusal_needs_its_reason_and_is_shown(app):
    request_id = received_long_ago(app, "restriction")
    browser = admin(app)
    browser.get(PAGE)
    page = text(browser.post(f"{PAGE}/{request_id}/close", {"outcome": "refused"},
                             follow_redirects=True))
    assert "Từ chối cần có lý do" in page and stored(app)[0].done_at is None
    page = text(browser.post(f"{PAGE}/{request_id}/close", {
        "outcome": "refused", "reason": "Không xác minh được người yêu cầu"},
        follow_redirects=True))
    assert "Đã từ chối yêu cầu số" in page and "Không xác minh được người yêu cầu" in page
    [request] = stored(app)
    assert (request.outcome, request.reason) == ("refused", "Không xác minh được người yêu cầu")
    assert [e.action for e in audit_entries(app)] == ["privacy.refused"]


def test_a_withdrawal_is_marked_done_but_an_erasure_only_by_erasing(app):
    withdrawal = received_long_ago(app, "withdrawal")
    erasure_id = received_long_ago(app, "erasure")
    browser = admin(app)
    browser.get(PAGE)
    browser.post(f"{PAGE}/{withdrawal}/close", {"outcome": "done"})
    page = text(browser.post(f"{PAGE}/{erasure_id}/close", {"outcome": "done"},
                             follow_redirects=True))
    assert "hãy dùng nút Xóa" in page
    assert [(r.id, r.outcome) for r in stored(app)] == [(withdrawal, "done"), (erasure_id, None)]


def test_a_withdrawal_by_sms_shows_on_the_requests_page(app, client):
    assert FeaturePhone(client, CALLER).agreed().sms("HUY DONG Y").startswith("Da rut lai")
    [request] = stored(app)
    assert (request.kind, request.outcome) == ("withdrawal", "done")
    assert request.acknowledged_at is not None and request.done_at is not None
    row = text(admin(app).get(PAGE)).split(f'id="request-{request.id}"')[1].split("</tr>")[0]
    assert "+849*****678" in row and "Rút lại đồng ý" in row and "Đã thực hiện" in row
