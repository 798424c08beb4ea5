"""The console's searches ignore diacritics as SMS input does ('nguyen van a' finds
'Nguyễn Văn A', 'd' finds 'đ'), on PostgreSQL and SQLite alike: the roster, venues, users
and the audit log, their pages and exports. Each record keeps its folded text itself
(any write through the ORM), migration 0016 folds the rows already stored, and on
PostgreSQL a search inside names reads a trigram index, not the whole table."""

from __future__ import annotations

import re
import uuid

import psycopg
import pytest
from sqlalchemy import insert, select
from sqlalchemy import text as sql

from gateway import runtime as runtimes
from gateway.store import schema, venues
from gateway.store.db import make_engine, transaction
from gateway.store.models import AuditEntry, QuarantineCase, User
from gateway.text import searchable
from hotline import accounts
from tests.conftest import PG_ADMIN_URL
from tests.hotline.conftest import Console, make_user, text
from tests.hotline.test_exports import add_cases, csv_rows
from tests.hotline.test_exports import signed_in as signed_in_with_id
from tests.hotline.test_lists import names, rows_line


@pytest.fixture(params=["postgresql", "sqlite"])
def any_app(request):
    """The console on PostgreSQL and real Redis, or embedded on SQLite."""
    return request.getfixturevalue("app" if request.param == "postgresql" else "demo_app")


def signed_in(app, username: str, role: str, **kwargs) -> Console:
    make_user(app, username, role, **kwargs)
    browser = Console(app.test_client())
    assert browser.login(username).status_code == 302
    return browser


def found(browser: Console, path: str, term: str, table: str) -> list[str]:
    """The first cells of the rows found (none: the page shows no table)."""
    response = browser.post(path, {"q": term})
    page = text(response)
    assert response.status_code == 200
    if f'<table id="{table}">' not in page:
        assert rows_line(page) == "Không có dòng nào."
        return []
    return names(page, table)


@pytest.mark.parametrize(("term", "expected"), [
    ("nguyen van a", ["Nguyễn Văn An"]),
    ("NGUYỄN VĂN", ["Nguyễn Văn An"]),
    ("dang thi dao", ["Đặng Thị Đào"]),          # đ is d
    ("Đặng", ["Đặng Thị Đào"]),
    ("  thi   dao. ", ["Đặng Thị Đào"]),         # spaces and punctuation as SMS input
    ("van", ["Nguyễn Văn An", "Lê Văn Cường"]),
    ("!!!", []),                                  # nothing to match: nothing found
    ("100%", []),                                 # a LIKE wildcard is only a character
])
def test_the_roster_is_searched_ignoring_diacritics(any_app, term, expected):
    manager, manager_id = signed_in_with_id(any_app, "mgr1", "manager")
    add_cases(any_app, manager_id, ["Nguyễn Văn An", "Đặng Thị Đào", "Lê Văn Cường"])
    manager.get("/hotline/roster")
    assert sorted(found(manager, "/hotline/roster/search", term, "roster")) == sorted(expected)


def test_an_export_holds_the_folded_search(any_app):
    manager, manager_id = signed_in_with_id(any_app, "mgr1", "manager")
    add_cases(any_app, manager_id, ["Nguyễn Văn An", "Đặng Thị Đào"])
    manager.get("/hotline/roster")
    rows = csv_rows(manager.post("/hotline/exports", {"list": "roster", "format": "csv",
                                                      "q": "dao"}))
    assert [r[0] for r in rows[1:]] == ["Đặng Thị Đào"]


def test_venues_users_and_the_audit_are_searched_ignoring_diacritics(any_app):
    admin = signed_in(any_app, "adm1", "admin")
    with transaction(runtimes.of(any_app).sessions) as session:
        venues.create(session, name="Chợ Bến Thành", kind="market", province_code=79,
                      province_name="Thành phố Hồ Chí Minh", street="Lê Lợi")
        venues.create(session, name="Trường Đại học Y", kind="school", province_code=1,
                      province_name="Thành phố Hà Nội")
    with transaction(runtimes.of(any_app).sessions) as session:
        accounts.create(session, username="mgr-duc", role="manager", display_name="Lê Văn Đức")
    admin.get("/hotline/admin/venues")
    venues_page = text(admin.post("/hotline/admin/venues/search", {"q": "cho ben thanh"}))
    assert "Chợ Bến Thành" in venues_page and "Trường Đại học Y" not in venues_page
    by_city = text(admin.post("/hotline/admin/venues/search", {"q": "ha noi"}))
    assert "Trường Đại học Y" in by_city and "Chợ Bến Thành" not in by_city
    assert "Chợ Bến Thành" in text(admin.post("/hotline/admin/venues/search", {"q": "le loi"}))
    assert found(admin, "/hotline/admin/users/search", "van duc", "users") == ["mgr-duc"]
    assert found(admin, "/hotline/admin/users/search", "ĐỨC", "users") == ["mgr-duc"]
    with transaction(runtimes.of(any_app).sessions) as session:
        session.add(AuditEntry(username="mgr-duc", action="alert.clear",
                               detail="case 7 alert 3: Đã gọi điện, đưa đi khám"))
    audit = text(admin.post("/hotline/admin/audit", {"q": "da goi dien"}))
    assert rows_line(audit) == "Dòng 1–1 trên tổng số 1" and "alert.clear" in audit
    by_action = text(admin.post("/hotline/admin/audit", {"q": "alert.clear"}))
    assert rows_line(by_action) == "Dòng 1–1 trên tổng số 1"


def test_every_write_through_the_orm_keeps_the_folded_text(app):
    with transaction(runtimes.of(app).sessions) as session:
        user = User(username="op-hoa", role="operator", display_name="Hòa")
        case = QuarantineCase(phone="+84912000001", full_name="Ngô Thị Ánh", kind="home")
        session.add(user)
        session.flush()
        assert user.search_folded == "op hoa hoa"
        user.display_name = "Phạm Đình Đạt"  # an administrator renames the account
        assert user.search_folded == "op hoa pham dinh dat"
        assert case.search_folded == "ngo thi anh"
        case.full_name = "Ngô Thị Ánh Dương"
        assert case.search_folded == "ngo thi anh duong"
    with runtimes.of(app).sessions() as session:
        assert session.scalar(select(User.search_folded)) == "op hoa pham dinh dat"


@pytest.fixture
def fresh_pg() -> str:
    """An empty PostgreSQL database of its own (dropped afterwards)."""
    name = f"gwfold_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield re.sub(r"/[^/]*$", f"/{name}", PG_ADMIN_URL)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("engine_name", ["postgresql", "sqlite"])
def test_the_migration_folds_the_rows_already_stored(engine_name, request, tmp_path):
    url = request.getfixturevalue("fresh_pg") if engine_name == "postgresql" \
        else f"sqlite:///{tmp_path / 'fold.db'}"
    schema.upgrade(url, "0011")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(sql(
            "INSERT INTO users (username, display_name, role, active, failed_logins, "
            "created_at) VALUES ('mgr1', 'Đỗ Văn Hùng', 'manager', true, 0, "
            "CURRENT_TIMESTAMP)"))
        connection.execute(sql(
            "INSERT INTO quarantine_cases (phone, full_name, kind, start_date, end_date, "
            "manager_id, status, alert, channel, created_at, updated_at) VALUES "
            "('+84912000001', 'Nguyễn Văn A', 'home', '2026-12-01', '2026-12-14', 1, "
            "'active', false, 'cli', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        connection.execute(sql(
            "INSERT INTO venues (code, name, kind, province_code, province_name, ward_name, "
            "street, active, channel, created_at) VALUES ('12345678', 'Chợ Đồng Xuân', "
            "'market', 1, 'Thành phố Hà Nội', 'Phường Hoàn Kiếm', '', true, 'cli', "
            "CURRENT_TIMESTAMP)"))
        connection.execute(sql(
            "INSERT INTO audit_log (username, action, detail, created_at) VALUES "
            "('mgr1', 'case.enrol', 'Đã ghi nhận', CURRENT_TIMESTAMP)"))
    engine.dispose()
    schema.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        folded = {table: connection.execute(sql(f"SELECT search_folded FROM {table}")).scalar()
                  for table in ("users", "quarantine_cases", "venues", "audit_log")}
    engine.dispose()
    assert folded == {"users": "mgr1 do van hung", "quarantine_cases": "nguyen van a",
                      "venues": "cho dong xuan phuong hoan kiem thanh pho ha noi",
                      "audit_log": "mgr1 case enrol da ghi nhan"}


def test_a_search_of_a_large_audit_log_reads_the_trigram_index(app):
    rt = runtimes.of(app)
    rows = [{"username": f"user{n % 50}", "action": "case.view", "detail": f"case {n}",
             "search_folded": searchable(f"user{n % 50}", "case.view", f"case {n}",
                                         limit=400)} for n in range(30000)]
    rows.append({"username": "mgr1", "action": "alert.clear", "detail": "Đã gọi Nguyễn Văn A",
                 "search_folded": searchable("mgr1", "alert.clear", "Đã gọi Nguyễn Văn A",
                                             limit=400)})
    with rt.engine.begin() as connection:
        connection.execute(insert(AuditEntry), rows)
        connection.execute(sql("ANALYZE audit_log"))
        plan = "\n".join(connection.execute(sql(
            "EXPLAIN SELECT count(*) FROM audit_log "
            "WHERE search_folded LIKE '%nguyen van a%'")).scalars())
    assert "ix_audit_search" in plan, plan
    admin = signed_in(app, "adm1", "admin")
    admin.get("/hotline/admin/audit")
    page = text(admin.post("/hotline/admin/audit", {"q": "Nguyễn văn a"}))
    assert rows_line(page) == "Dòng 1–1 trên tổng số 1"
