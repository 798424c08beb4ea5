"""Exports of console lists: a manager's roster downloaded as CSV and XLSX and read back
(only their own cases, the page's search, formula cells defused), a long export built
by a real RQ worker with its progress and then a link, for its owner only, expiring
after an hour; every export and download audited; roles and bad requests refused."""

from __future__ import annotations

import csv
import io
import re
import time

import pytest
from openpyxl import load_workbook
from rq import SimpleWorker
from sqlalchemy import select

from gateway import purge as purging
from gateway import runtime as runtimes
from gateway.exports import store
from gateway.store.db import transaction
from gateway.store.models import QuarantineCase, User, Visit
from hotline import exports, lists
from tests.hotline.conftest import (
    Console,
    audit_entries,
    days,
    make_user,
    make_venue,
    text,
)

EVIL = '=HYPERLINK("http://evil.example","Bấm")'


def add_cases(app, manager_id: int, names: list[str], first_phone: int = 0) -> None:
    """Active home-quarantine cases of a manager, straight into the table."""
    with transaction(runtimes.of(app).sessions) as session:
        session.add_all([QuarantineCase(phone=f"+8491200{first_phone + i:04d}", full_name=name,
                                        kind="home", start_date=days(-1), end_date=days(9),
                                        manager_id=manager_id, status="active")
                         for i, name in enumerate(names)])


def signed_in(app, username: str, role: str, **kwargs) -> tuple[Console, int]:
    user_id = make_user(app, username, role, **kwargs)
    browser = Console(app.test_client())
    assert browser.login(username).status_code == 302
    return browser, user_id


@pytest.fixture
def managers(app):
    """Two managers with their cases: mgr1's three (one named like a formula), mgr2's one."""
    mgr1, first = signed_in(app, "mgr1", "manager")
    mgr2, second = signed_in(app, "mgr2", "manager")
    add_cases(app, first, ["Nguyễn Văn An", "Trần Thị Bình", EVIL])
    add_cases(app, second, ["Người Của Mgr2"], first_phone=100)
    mgr1.get("/hotline/roster")  # a CSRF token of the page
    mgr2.get("/hotline/roster")
    return mgr1, mgr2


def export(browser: Console, fmt: str, listing: str = "roster", q: str = ""):
    return browser.post("/hotline/exports", {"list": listing, "format": fmt, "q": q})


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def xlsx_rows(body: bytes) -> list[tuple]:
    return [tuple(c.value for c in row) for row in load_workbook(io.BytesIO(body)).active.rows]


def test_a_manager_downloads_their_roster_as_csv(app, managers):
    mgr1, _ = managers
    response = export(mgr1, "csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert re.fullmatch(r'attachment; filename="roster-\d{8}-\d{4}\.csv"',
                        response.headers["Content-Disposition"])
    assert response.headers["Cache-Control"] == "no-store"
    rows = csv_rows(response)
    assert rows[0] == ["Họ tên", "Số điện thoại", "Loại", "Bắt đầu", "Kết thúc", "Còn (ngày)",
                       "Nguy hiểm", "Báo cáo hôm nay"]
    # mgr2's case is not in it; the formula is text; phones defused like every '+' cell.
    assert sorted(r[0] for r in rows[1:]) == sorted(["Nguyễn Văn An", "Trần Thị Bình",
                                                     "'" + EVIL])
    an = next(r for r in rows if r[0] == "Nguyễn Văn An")
    assert an[1:6] == ["'+84912000000", "Tại nhà", days(-1).isoformat(),
                       days(9).isoformat(), "10"]
    assert an[7] == "Chưa báo cáo"
    entry = audit_entries(app)[-1]
    assert (entry.username, entry.action, entry.detail) == ("mgr1", "export.roster",
                                                            "csv, 3 rows")


def test_a_manager_downloads_their_roster_as_xlsx_in_english(app, managers):
    mgr1, _ = managers
    mgr1.post("/hotline/language", {"lang": "en", "next": "/hotline/roster"})
    response = export(mgr1, "xlsx")
    assert response.status_code == 200
    assert response.mimetype == exports.files.MIMETYPES["xlsx"]
    rows = xlsx_rows(response.get_data())
    assert rows[0][:3] == ("Name", "Phone", "Kind")
    assert sorted(r[0] for r in rows[1:]) == sorted(["Nguyễn Văn An", "Trần Thị Bình", EVIL])
    assert {r[1] for r in rows[1:]} == {"+84912000000", "+84912000001", "+84912000002"}
    assert audit_entries(app)[-1].detail == "xlsx, 3 rows"


def test_an_export_holds_the_search_of_the_page(app, managers):
    mgr1, _ = managers
    rows = csv_rows(export(mgr1, "csv", q="bình"))
    assert [r[0] for r in rows[1:]] == ["Trần Thị Bình"]
    assert audit_entries(app)[-1].detail == "csv, search: 'bình'; 1 rows"
    # The last digits of a phone; a whole phone goes into the entry's phone column only.
    assert [r[0] for r in csv_rows(export(mgr1, "csv", q="0000"))[1:]] == ["Nguyễn Văn An"]
    whole = csv_rows(export(mgr1, "csv", q="0912 000 001"))
    assert [r[0] for r in whole[1:]] == ["Trần Thị Bình"]
    entry = audit_entries(app)[-1]
    assert (entry.phone, entry.detail) == ("+84912000001", "csv, search: the phone; 1 rows")
    # A search matching nothing still downloads: the headings only.
    assert len(csv_rows(export(mgr1, "csv", q="không ai"))) == 1


def test_a_venue_staff_export_masks_phones_as_the_page_does(app):
    venue = make_venue(app)
    staff, _ = signed_in(app, "staff1", "venue_staff", venue_codes=(venue["code"],))
    with transaction(runtimes.of(app).sessions) as session:
        session.add(Visit(venue_id=venue["id"], phone="+84987654321", channel="hotline"))
    staff.get("/hotline/staff/visitors")
    rows = csv_rows(export(staff, "csv", listing="visitors"))
    assert rows[0] == ["Thời gian", "Họ tên", "Số điện thoại", "Địa điểm", "Ra", "Kênh"]
    assert rows[1][2:4] == ["'+849*****321", venue["name"]]


@pytest.mark.parametrize(("form", "status"), [
    ({"list": "roster", "format": "pdf"}, 400),
    ({"list": "everything", "format": "csv"}, 400),
    ({"list": "audit", "format": "csv"}, 403),      # an administrator's list
    ({"list": "users", "format": "xlsx"}, 403),
])
def test_an_export_the_user_may_not_have_is_refused(app, managers, form, status):
    mgr1, _ = managers
    before = len(audit_entries(app))
    assert mgr1.post("/hotline/exports", form).status_code == status
    assert len(audit_entries(app)) == before


def test_an_export_without_the_form_token_is_refused(app, managers):
    mgr1, _ = managers
    response = mgr1.post("/hotline/exports", {"list": "roster", "format": "csv"}, csrf=False)
    assert response.status_code == 400


# --- long exports: an RQ job -----------------------------------------------------------

@pytest.fixture
def long_roster(app, managers, monkeypatch):
    """mgr1 with 12 cases, and exports of more than 5 rows built by a job."""
    monkeypatch.setattr(exports, "DIRECT_MAX_ROWS", 5)
    with runtimes.of(app).sessions() as session:
        mgr1_id = session.query(User.id).filter(User.username == "mgr1").scalar()
    add_cases(app, mgr1_id, [f"Người {i:02d}" for i in range(9)], first_phone=10)
    return managers


def run_worker(app) -> None:
    """A real RQ worker on the bulk queue, until it is empty (inside the app, as
    `gateway worker` runs)."""
    rt = runtimes.of(app)
    with app.app_context():
        SimpleWorker([rt.queue("bulk")], connection=rt.redis).work(burst=True)


def queued(browser: Console, fmt: str = "xlsx") -> str:
    response = export(browser, fmt)
    assert response.status_code == 302
    found = re.fullmatch(r".*/hotline/exports/([\w-]+)", response.headers["Location"])
    return found.group(1)


def test_a_long_export_is_built_by_a_worker_with_progress_and_a_link(app, long_roster,
                                                                     monkeypatch):
    mgr1, _ = long_roster
    export_id = queued(mgr1)
    page = mgr1.get(f"/hotline/exports/{export_id}")
    assert page.status_code == 200
    assert 'id="progress"' in text(page) and "Đang chờ xử lý" in text(page)
    assert 'id="download"' not in text(page)
    status = mgr1.get(f"/hotline/exports/{export_id}/status").get_json()
    assert status == {"state": "queued", "done": 0, "total": 12, "percent": 0, "file": None}
    assert mgr1.get(f"/hotline/exports/{export_id}/file").status_code == 404
    # The worker reports its progress as it writes (every 5 rows here).
    monkeypatch.setattr(exports.files, "PROGRESS_EVERY", 5)
    seen: list[tuple[str, int]] = []
    advance = store.advance

    def watched(redis, export_id_, done):
        advance(redis, export_id_, done)
        found = store.find(redis, export_id_)
        seen.append((found.state, found.percent))

    monkeypatch.setattr(store, "advance", watched)
    run_worker(app)
    assert seen == [("running", 41), ("running", 83), ("running", 99)]
    status = mgr1.get(f"/hotline/exports/{export_id}/status").get_json()
    assert status["state"] == "ready" and status["percent"] == 100 and status["done"] == 12
    assert status["file"] == f"/hotline/exports/{export_id}/file"
    page = text(mgr1.get(f"/hotline/exports/{export_id}"))
    assert 'id="download"' in page and "Tệp đã sẵn sàng (12 dòng)" in page
    response = mgr1.get(status["file"])
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    rows = xlsx_rows(response.get_data())
    assert len(rows) == 13 and "Người Của Mgr2" not in {r[0] for r in rows}
    assert [(e.username, e.action, e.detail) for e in audit_entries(app)
            if e.action.startswith("export")] == [
        ("mgr1", "export.roster.queued", "xlsx, 12 rows"),
        ("mgr1", "export.roster", "xlsx, 12 rows"),
        ("mgr1", "export.roster.download", "xlsx, 12 rows")]


def test_another_user_cannot_fetch_an_export(app, long_roster):
    mgr1, mgr2 = long_roster
    export_id = queued(mgr1)
    run_worker(app)
    assert mgr1.get(f"/hotline/exports/{export_id}/file").status_code == 200
    for path in ("", "/status", "/file"):
        response = mgr2.get(f"/hotline/exports/{export_id}{path}")
        assert response.status_code == 404
    assert "Người 01" not in text(mgr2.get(f"/hotline/exports/{export_id}/file"))
    signed_out = Console(app.test_client())
    assert signed_out.get(f"/hotline/exports/{export_id}/file").status_code == 302


def test_an_export_expires_after_an_hour(app, long_roster):
    mgr1, _ = long_roster
    export_id = queued(mgr1, "csv")
    run_worker(app)
    redis = runtimes.of(app).redis
    keys = [store.META_KEY.format(export_id), store.FILE_KEY.format(export_id)]
    for key in keys:
        assert 3500 < redis.ttl(key) <= store.TTL_SECONDS
    for key in keys:
        redis.pexpire(key, 1)
    time.sleep(0.05)
    response = mgr1.get(f"/hotline/exports/{export_id}/file")
    assert response.status_code == 404
    assert "hết hạn (tệp được giữ 60 phút)" in text(response)
    assert mgr1.get(f"/hotline/exports/{export_id}/status").get_json() == {"state": "gone"}


def test_a_job_for_a_user_deactivated_meanwhile_makes_no_file(app, long_roster):
    mgr1, _ = long_roster
    export_id = queued(mgr1)
    with transaction(runtimes.of(app).sessions) as session:
        session.query(User).filter(User.username == "mgr1").update({"active": False})
    run_worker(app)
    found = store.find(runtimes.of(app).redis, export_id)
    assert (found.state, found.error) == ("failed", "forbidden")
    assert store.file(runtimes.of(app).redis, found) is None
    assert "export.roster" not in [e.action for e in audit_entries(app)]


def test_a_job_of_an_export_already_expired_does_nothing(app, long_roster):
    mgr1, _ = long_roster
    export_id = queued(mgr1)
    redis = runtimes.of(app).redis
    redis.delete(store.META_KEY.format(export_id))
    run_worker(app)
    assert redis.exists(store.FILE_KEY.format(export_id)) == 0


def test_the_purge_deletes_an_export_kept_without_a_ttl(app):
    redis = runtimes.of(app).redis
    redis.set("export:hand-made:file", b"names and phones")  # no TTL: never meant
    redis.set("export:fine", "x", ex=store.TTL_SECONDS)
    purging.run(runtimes.of(app))
    assert redis.exists("export:hand-made:file") == 0
    assert redis.exists("export:fine") == 1


def test_an_admin_pages_and_exports_the_visits_of_one_venue(app):
    market, other = make_venue(app), make_venue(app, "Chợ Lớn")
    admin, _ = signed_in(app, "adm1", "admin")
    with transaction(runtimes.of(app).sessions) as session:
        session.add_all([Visit(venue_id=market["id"], phone=f"+8498765{i:04d}",
                               channel="sms") for i in range(55)]
                        + [Visit(venue_id=other["id"], phone="+84912999999", channel="sms")])
    page = text(admin.get(f"/hotline/admin/venues/{market['code']}/visits"))
    assert "Dòng 1–50 trên tổng số 55" in page and "+84987650054" in page
    assert f'href="/hotline/admin/venues/{market["code"]}/visits?page=2"' in page
    found = text(admin.post(f"/hotline/admin/venues/{market['code']}/visits/search",
                            {"q": "0007"}))
    assert "Dòng 1–1 trên tổng số 1" in found and "+84987650007" in found
    rows = csv_rows(admin.post("/hotline/exports", {"list": "venue_visits", "format": "csv",
                                                    "scope": market["code"]}))
    assert len(rows) == 56 and "'+84912999999" not in {r[2] for r in rows}
    entry = audit_entries(app)[-1]
    assert (entry.action, entry.detail) == ("export.venue_visits",
                                            f"csv, {market['code']}, 55 rows")
    assert admin.get("/hotline/admin/venues/1234567/visits").status_code == 404


def test_an_export_over_the_ceiling_is_refused_with_a_reason(app, managers, monkeypatch):
    mgr1, _ = managers
    monkeypatch.setattr(exports, "MAX_ROWS", 2)
    response = export(mgr1, "xlsx")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/hotline/roster")
    page = text(mgr1.get("/hotline/roster"))
    assert "Danh sách có 3 dòng, quá giới hạn 2 dòng" in page
    assert not [e for e in audit_entries(app) if e.action.startswith("export")]


def test_the_demo_builds_a_long_export_at_once(demo_app, monkeypatch):
    """The demo runs jobs inline (no worker): the export is ready when its page opens."""
    monkeypatch.setattr(exports, "DIRECT_MAX_ROWS", 1)
    browser, manager_id = signed_in(demo_app, "mgr1", "manager")
    add_cases(demo_app, manager_id, ["Nguyễn Văn An", "Trần Thị Bình"])
    browser.get("/hotline/roster")
    export_id = queued(browser, "csv")
    assert 'id="download"' in text(browser.get(f"/hotline/exports/{export_id}"))
    rows = csv_rows(browser.get(f"/hotline/exports/{export_id}/file"))
    assert sorted(r[0] for r in rows[1:]) == ["Nguyễn Văn An", "Trần Thị Bình"]


def my_case_counts(session, viewer, filters):
    """A dashboard-like table: a function of the viewer and the page's filters."""
    names = session.scalars(select(QuarantineCase.full_name).where(
        QuarantineCase.manager_id == viewer.user_id).order_by(QuarantineCase.id)).all()
    wanted = filters["letter"]
    return ["Tên", "Độ dài"], [(n, len(n)) for n in names if n.startswith(wanted)]


def test_a_computed_table_plugs_in_with_its_filters(app, long_roster, monkeypatch):
    mgr1, mgr2 = long_roster
    monkeypatch.setitem(lists.LISTINGS, "counts", lists.Computed(
        "counts", ("manager",), "nav.roster", my_case_counts, page="hotline.roster",
        filters=("letter",)))
    direct = csv_rows(mgr1.post("/hotline/exports", {"list": "counts", "format": "csv",
                                                     "letter": "T"}))
    assert direct == [["Tên", "Độ dài"], ["Trần Thị Bình", "13"]]
    entry = audit_entries(app)[-1]
    assert (entry.action, entry.detail) == ("export.counts", "csv, filters: letter='T'; 1 rows")
    # Nine rows: more than an export downloads at once here, so a job builds it.
    response = mgr1.post("/hotline/exports", {"list": "counts", "format": "xlsx",
                                              "letter": "Người"})
    export_id = response.headers["Location"].rsplit("/", 1)[1]
    run_worker(app)
    rows = xlsx_rows(mgr1.get(f"/hotline/exports/{export_id}/file").get_data())
    assert rows[0] == ("Tên", "Độ dài") and len(rows) == 10
    assert "xlsx, filters: letter='Người'; 9 rows" in [e.detail for e in audit_entries(app)
                                                       if e.action == "export.counts"]
    # Another manager, no filter posted: their own rows only.
    assert csv_rows(mgr2.post("/hotline/exports", {"list": "counts", "format": "csv"})) == [
        ["Tên", "Độ dài"], ["Người Của Mgr2", "14"]]
