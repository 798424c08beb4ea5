"""Search and paging of the console's lists (roster, visitors, users, venues, audit):
"rows X–Y of N" and every row reachable page by page (no list stops at a limit), a
search posted and never put in a URL, searching by name, last digits, a whole phone,
a code, a role or an action; and the print views of the roster and the digest."""

from __future__ import annotations

import re

import pytest

from gateway import runtime as runtimes
from gateway.store import venues
from gateway.store.db import transaction
from hotline import paging
from hotline.lists import Search
from tests.hotline.conftest import Console, make_user, text
from tests.hotline.test_exports import add_cases, signed_in


def add_venues(app, count: int) -> list[str]:
    """`count` venues named 'Chợ 000'…; their codes, oldest first."""
    with transaction(runtimes.of(app).sessions) as session:
        return [venues.create(session, name=f"Chợ {i:03d}", kind="market", province_code=79,
                              province_name="Thành phố Hồ Chí Minh").code
                for i in range(count)]


def names(page: str, table: str) -> list[str]:
    """The first cell of each row of table `table` on a page."""
    body = re.search(rf'<table id="{table}">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).split("·")[0].strip()
            for cell in re.findall(r"<tr[^>]*>\s*<td[^>]*>(.*?)</td>", body, re.S)]


def rows_line(page: str) -> str:
    return re.search(r'<span id="rows">(.*?)</span>', page).group(1)


@pytest.mark.parametrize(("typed", "read"), [
    ("Nguyễn  Văn", Search("Nguyễn Văn", None, "")),
    ("5678", Search("5678", None, "5678")),
    ("0912 345 678", Search("0912 345 678", "+84912345678", "")),
    ("+84 91 234 5678", Search("+84 91 234 5678", "+84912345678", "")),
    ("0912.345.678", Search("0912.345.678", "+84912345678", "")),
    ("1234567890123", Search("1234567890123", None, "1234567890123")),  # not a phone
    ("case.enrol", Search("case.enrol", None, "")),
    ("", Search("", None, "")),
    ("x" * 100, Search("x" * 80, None, "")),
])
def test_a_search_term_is_read_once(typed, read):
    assert Search.read(typed) == read


@pytest.mark.parametrize(("raw", "number"), [
    ("2", 2), ("", 1), (None, 1), ("0", 1), ("-3", 1), ("abc", 1), ("9" * 30, 1), (" 7 ", 7)])
def test_a_page_number_is_read_safely(raw, number):
    assert paging.number(raw) == number


def test_venues_are_paged_with_rows_x_to_y_of_n(app):
    codes = add_venues(app, 120)
    admin, _ = signed_in(app, "adm1", "admin")
    first = text(admin.get("/hotline/admin/venues"))
    assert rows_line(first) == "Dòng 1–50 trên tổng số 120"
    assert names(first, "venues")[:2] == codes[::-1][:2]  # newest first
    assert 'href="/hotline/admin/venues?page=2"' in first and 'id="previous"' not in first
    seen = []
    for number in (1, 2, 3):
        seen += names(text(admin.get(f"/hotline/admin/venues?page={number}")), "venues")
    assert seen == codes[::-1]  # every venue once, none left out
    last = text(admin.get("/hotline/admin/venues?page=3"))
    assert rows_line(last) == "Dòng 101–120 trên tổng số 120" and 'id="next"' not in last
    # A page past the end shows the last page; a bad number the first.
    assert rows_line(text(admin.get("/hotline/admin/venues?page=99"))) == rows_line(last)
    assert rows_line(text(admin.get("/hotline/admin/venues?page=x"))).startswith("Dòng 1–50")


def test_venues_are_searched_by_name_and_code(app):
    codes = add_venues(app, 60)
    admin, _ = signed_in(app, "adm1", "admin")
    admin.get("/hotline/admin/venues")
    found = text(admin.post("/hotline/admin/venues/search", {"q": "chợ 01"}))
    assert names(found, "venues") == codes[10:20][::-1]
    assert rows_line(found) == "Dòng 1–10 trên tổng số 10"
    by_code = text(admin.post("/hotline/admin/venues/search", {"q": codes[42]}))
    assert names(by_code, "venues") == [codes[42]]
    # A search for LIKE's wildcards matches them literally: nothing here.
    assert rows_line(text(admin.post("/hotline/admin/venues/search", {"q": "%"}))) == \
        "Không có dòng nào."


def test_a_search_is_paged_by_posted_forms_never_in_a_url(app):
    mgr, manager_id = signed_in(app, "mgr1", "manager")
    add_cases(app, manager_id, [f"Nguyễn Văn {i:02d}" for i in range(55)] + ["Lê Thị Hoa"])
    mgr.get("/hotline/roster")
    found = text(mgr.post("/hotline/roster/search", {"q": "nguyễn"}))
    assert rows_line(found) == "Dòng 1–50 trên tổng số 55"
    # The next page is a posted form carrying the search, not a link.
    assert '<input type="hidden" name="q" value="nguyễn">' in found
    assert '<input type="hidden" name="page" value="2">' in found
    assert "nguy" not in " ".join(re.findall(r'(?:href|action)="([^"]*)"', found)).lower()
    second = text(mgr.post("/hotline/roster/search", {"q": "nguyễn", "page": "2"}))
    assert rows_line(second) == "Dòng 51–55 trên tổng số 55"
    assert "Lê Thị Hoa" not in second


def test_the_roster_is_searched_by_last_digits_or_a_whole_phone(app):
    mgr, manager_id = signed_in(app, "mgr1", "manager")
    add_cases(app, manager_id, ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"])
    other_id = make_user(app, "mgr2", "manager")
    add_cases(app, other_id, ["Người Của Mgr2"], first_phone=101)
    mgr.get("/hotline/roster")
    assert names(text(mgr.post("/hotline/roster/search", {"q": "0001"})), "roster") == [
        "Trần Thị Bình"]
    assert names(text(mgr.post("/hotline/roster/search", {"q": "0912 000 002"})),
                 "roster") == ["Lê Văn Cường"]
    # Another manager's case is not found, however it is searched for.
    assert "Người Của Mgr2" not in text(mgr.post("/hotline/roster/search", {"q": "0101"}))
    assert "Người Của Mgr2" not in text(mgr.post("/hotline/roster/search", {"q": "Người"}))


def test_users_are_searched_by_role_and_name(app):
    admin, _ = signed_in(app, "adm1", "admin")
    code = add_venues(app, 1)[0]
    for i in range(3):
        make_user(app, f"staff{i}", "venue_staff", venue_codes=(code,))
    make_user(app, "mgr-hoa", "manager")
    admin.get("/hotline/admin/users")
    found = text(admin.post("/hotline/admin/users/search", {"q": "venue_staff"}))
    assert names(found, "users") == ["staff0", "staff1", "staff2"]
    assert names(text(admin.post("/hotline/admin/users/search", {"q": "HOA"})), "users") == [
        "mgr-hoa"]


def test_the_audit_log_is_searched_by_action_and_paged(app):
    admin, _ = signed_in(app, "adm1", "admin")
    mgr, _ = signed_in(app, "mgr1", "manager")
    for _ in range(60):
        mgr.get("/hotline/roster")
    mgr.get("/hotline/roster/digest")
    page = text(admin.get("/hotline/admin/audit"))
    assert rows_line(page) == "Dòng 1–50 trên tổng số 61"
    found = text(admin.post("/hotline/admin/audit", {"q": "digest"}))
    assert rows_line(found) == "Dòng 1–1 trên tổng số 1" and "digest.view" in found


def test_the_roster_print_view_lists_every_case(app):
    mgr, manager_id = signed_in(app, "mgr1", "manager")
    add_cases(app, manager_id, [f"Người {i:02d}" for i in range(60)])
    assert len(names(text(mgr.get("/hotline/roster")), "roster")) == 50
    printed = text(mgr.get("/hotline/roster/print"))
    assert len(names(printed, "roster-print")) == 60
    assert "60 người đang cách ly" in printed and 'data-print id="print"' in printed
    assert "<form" not in printed.split("<main>")[1]  # no actions on paper


def test_the_digest_has_a_print_button_and_says_how_many_are_not_named(app):
    mgr, _ = signed_in(app, "mgr1", "manager")
    page = text(mgr.get("/hotline/roster/digest"))
    assert 'data-print id="print"' in page
    assert 'class="sms no-print"' in page


def test_a_signed_out_browser_cannot_search(app):
    browser = Console(app.test_client())
    browser.get("/hotline/login")
    assert browser.post("/hotline/roster/search", {"q": "a"}).status_code == 302
