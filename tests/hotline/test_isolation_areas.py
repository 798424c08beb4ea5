"""The isolation-area pages: a health officer of Thanh Hoa declares, lists, moves and
lifts areas of Thanh Hoa only — a Ha Noi area is a 404 to them, on its page and its
form — every change is audited, a form without its CSRF token or with a bad field is
refused with the reason, and lifting needs its box ticked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway import runtime as runtimes
from gateway.addresses import PROVINCES
from gateway.quarantine import isolation
from gateway.store.areas import Area
from gateway.store.db import transaction
from gateway.store.models import IsolationArea, User
from tests.hotline.conftest import Console, audit_entries, days, make_user, text

TH, HN = 38, 1
CHOICE = {code: str(n) for n, p in enumerate(PROVINCES, 1) for code in (p.code.value,)}


def areas_of(app) -> list[IsolationArea]:
    with runtimes.of(app).sessions() as session:
        return list(session.scalars(select(IsolationArea).order_by(IsolationArea.id)))


@pytest.fixture
def officer(app, client) -> Console:
    """A health officer of Thanh Hoa, signed in."""
    make_user(app, "ho_th", "health_officer", area=Area(TH))
    browser = Console(client)
    assert browser.login("ho_th").status_code == 302
    return browser


@pytest.fixture
def hanoi_area(app) -> int:
    """An area of Phường Hoàn Kiếm (Ha Noi), declared by a Ha Noi officer."""
    hn = make_user(app, "ho_hn", "health_officer", area=Area(HN))
    with transaction(runtimes.of(app).sessions) as session:
        return isolation.declare(session, province_code=HN, ward_code=70, street="",
                                 start=days(0), end=days(5), manager=session.get(User, hn),
                                 declared_by=None, officer_area=Area(HN), channel="hotline",
                                 operator="ho_hn", day=days(0)).id


def form(**changes) -> dict:
    return {"province": CHOICE[TH], "ward": "Phường Hạc Thành", "street": "Thôn Đông",
            "start": days(0).isoformat(), "end": days(7).isoformat(), "manager": "", **changes}


def test_an_officer_declares_lists_moves_and_lifts_an_area_of_their_own(app, officer):
    page = text(officer.get("/hotline/areas"))
    assert f'value="{CHOICE[TH]}"' in page and f'value="{CHOICE[HN]}"' not in page
    assert officer.post("/hotline/areas", form()).status_code == 302
    [area] = areas_of(app)
    assert (area.street, area.ward_code, area.channel, area.operator, area.status) == (
        "Thôn Đông", 14797, "hotline", "ho_th", "active")
    listed = text(officer.get("/hotline/areas"))
    assert f'data-code="{area.code}"' in listed
    detail = text(officer.get(f"/hotline/areas/{area.id}"))
    assert f"KV {area.code}" in detail and 'id="lift"' in detail

    moved = officer.post(f"/hotline/areas/{area.id}", {"action": "change",
                                                        "end": days(9).isoformat()})
    assert moved.status_code == 302 and areas_of(app)[0].end_date == days(9)
    unticked = officer.post(f"/hotline/areas/{area.id}", {"action": "lift"})
    assert unticked.status_code == 400 and areas_of(app)[0].status == "active"
    assert 'id="confirm-error"' in text(unticked)
    lifted = officer.post(f"/hotline/areas/{area.id}", {"action": "lift", "confirm": "yes"})
    assert lifted.status_code == 302 and areas_of(app)[0].status == "lifted"
    assert [(e.action, e.username) for e in audit_entries(app)
            if e.action.startswith("area.") and e.action != "area.view"] == [
        ("area.declare", "ho_th"), ("area.change", "ho_th"), ("area.lift", "ho_th")]


def test_another_provinces_area_is_not_found(app, officer, hanoi_area):
    assert officer.get(f"/hotline/areas/{hanoi_area}").status_code == 404
    refused = officer.post(f"/hotline/areas/{hanoi_area}", {"action": "lift", "confirm": "yes"})
    assert refused.status_code == 404
    assert 'data-code="' not in text(officer.get("/hotline/areas"))
    outside = officer.post("/hotline/areas", form(province=CHOICE[HN], ward="Phường Hoàn Kiếm"))
    assert outside.status_code == 400
    assert [a.status for a in areas_of(app)] == ["active"]  # the Ha Noi area, untouched


@pytest.mark.parametrize(("changes", "field"), [
    ({"ward": "Nowhere at all"}, "ward"),
    ({"start": "not a date"}, "start"),
    ({"end": (days(0) - timedelta(days=1)).isoformat()}, "end"),
    ({"manager": "nobody"}, "manager"),
])
def test_a_bad_field_is_shown_with_its_reason(app, officer, changes, field):
    answer = officer.post("/hotline/areas", form(**changes))
    assert answer.status_code == 400
    assert f'id="{field}-error"' in text(answer)
    assert areas_of(app) == []


def test_a_form_without_its_csrf_token_is_refused(app, officer):
    assert officer.post("/hotline/areas", form(), csrf=False).status_code == 400
    assert areas_of(app) == []
