"""The ward the test_team_* files share: Hac Thanh, with its manager and a resident
(CALLER), a manager of another ward with one (OTHER), and a community team member of
Hac Thanh signed in; and the add form of a newcomer without a phone."""

from __future__ import annotations

import pytest

from gateway import runtime as runtimes
from gateway.store.areas import Area
from gateway.store.db import transaction
from tests.hotline.conftest import CALLER, MANAGER_PHONE, Console, days, make_user

TH, HAC_THANH, QUANG_PHU = 38, 14797, 16522
WARD = Area(TH, frozenset({HAC_THANH}))
OTHER = "+84912000222"
NEWCOMER = {"name": "Lê Thị Cúc", "birth_year": "1948", "address": "Xóm 3, thôn Đông",
            "start": "", "end": ""}


def signed_in(app, username: str) -> Console:
    """A browser on the console, signed in as `username`."""
    browser = Console(app.test_client())
    assert browser.login(username).status_code == 302
    return browser


@pytest.fixture(name="ward")
def ward_fixture(app, inbox) -> dict[str, int]:
    """A manager of Hac Thanh ward with a resident (CALLER), a manager of another ward
    with one (OTHER), and a team member of Hac Thanh signed in."""
    from gateway.quarantine.enrol import enrol
    ids = {"mgr": make_user(app, "mgr-hac", "manager", phone=MANAGER_PHONE, area=WARD),
           "other_mgr": make_user(app, "mgr-qp", "manager", phone="+84903000222",
                                  area=Area(TH, frozenset({QUANG_PHU})))}
    make_user(app, "to-hac", "community_team", area=WARD)
    with transaction(runtimes.of(app).sessions) as session:
        ids["case"] = enrol(session, phone=CALLER, name="Trần Văn Bình", manager="mgr-hac",
                            start=days(-1), end=days(12)).id
        ids["other_case"] = enrol(session, phone=OTHER, name="Phạm Thị Dung",
                                  manager="mgr-qp", start=days(-1), end=days(12)).id
    inbox.deliver()  # the welcome SMS
    return ids


@pytest.fixture(name="team")
def team_fixture(app, ward) -> Console:
    """The team member of Hac Thanh, signed in."""
    return signed_in(app, "to-hac")


def newcomer(mgr_id: int, **changes) -> dict[str, str]:
    """The add form of NEWCOMER, followed by the manager `mgr_id`, with `changes`."""
    return {**NEWCOMER, "start": days(0).isoformat(), "end": days(13).isoformat(),
            "manager": str(mgr_id), **changes}
