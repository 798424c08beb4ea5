"""Enrolment is one record function (`gateway.quarantine.enrol.enrol`) that takes the
caller's session and never commits: the API, the console and the CLI each call it in
their own transaction and get the same refusal for the same bad input, each in its own
words; the welcome SMS goes to the workers once per case, only after the commit."""

from __future__ import annotations

import html
from datetime import date

import pytest
from sqlalchemy import func, select

from gateway.codes import new_venue_code
from gateway.quarantine.enrol import EnrolError, enrol
from gateway.sms import outbound
from gateway.store import handoff
from gateway.store.db import transaction
from gateway.store.models import OutboundMessage, QuarantineCase
from tests.api.conftest import Api, make_token
from tests.hotline.conftest import MANAGER_PHONE, PASSWORD, Console, days, make_user
from tests.quarantine.conftest import runtime_of
from tests.test_processes import cli

PERSON = "+84912000001"
MANAGER = "mgr1"


@pytest.fixture
def callers(app, config):
    """The three ways to enrol, each answering as its channel does: (API response,
    console page response, CLI result) for the same details."""
    make_user(app, MANAGER, "manager", phone=MANAGER_PHONE)
    make_user(app, "op1", "operator")
    api = Api(app.test_client(), make_token(app, "web-system"))
    console = Console(app.test_client())
    assert console.login(MANAGER, PASSWORD).status_code == 302

    def enrol_by_all(start: date, end: date, manager: str = MANAGER, venue: str = ""):
        by_api = api.post("/api/v1/quarantine-cases", {
            "phone": PERSON, "full_name": "Nguyen Van An", "kind": "home",
            "start_date": start.isoformat(), "end_date": end.isoformat(), "manager": manager,
            **({"venue_code": venue} if venue else {})})
        by_console = console.post("/hotline/roster/enrol", {
            "phone": PERSON, "name": "Nguyen Van An", "start": start.isoformat(),
            "end": end.isoformat(), "kind": "home", "venue": venue})
        by_cli = cli(config, "quarantine", "enrol", "--phone", PERSON, "--name",
                     "Nguyen Van An", "--manager", manager, "--start", start.isoformat(),
                     "--end", end.isoformat(), *(["--venue", venue] if venue else []))
        return by_api, by_console, by_cli

    return enrol_by_all


def refusal(app, **details) -> EnrolError:
    """What the record function itself says to `details` (nothing is kept)."""
    with runtime_of(app).sessions() as session, pytest.raises(EnrolError) as refused:
        enrol(session, phone=PERSON, name="Nguyen Van An", **details)
    return refused.value


def case_count(app) -> int:
    with runtime_of(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(QuarantineCase))


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_an_end_before_the_start_is_refused_by_every_caller(app, callers):
    start, end = days(3), days(1)
    refused = refusal(app, manager=MANAGER, start=start, end=end)
    assert refused.reason == "dates"
    by_api, by_console, by_cli = callers(start, end)
    assert by_api.status_code == 422
    assert by_api.json["errors"] == [{"field": "end_date", "location": "json",
                                      "reason": "must not be before start_date"}]
    assert by_console.status_code == 400
    assert "Ngày kết thúc trước ngày bắt đầu" in page(by_console)
    assert by_cli.exit_code != 0 and str(refused) in by_cli.output
    assert case_count(app) == 0


def test_an_unknown_venue_is_refused_by_every_caller(app, callers):
    code = new_venue_code()
    refused = refusal(app, manager=MANAGER, start=days(0), end=days(13), venue_code=code)
    assert (refused.reason, str(refused)) == ("venue", f"no venue has the code {code!r}")
    by_api, by_console, by_cli = callers(days(0), days(13), venue=code)
    assert by_api.status_code == 422
    assert by_api.json["errors"] == [{"field": "venue_code", "location": "json",
                                      "reason": "no venue has this code"}]
    assert by_console.status_code == 400 and str(refused) in page(by_console)
    assert by_cli.exit_code != 0 and str(refused) in by_cli.output
    assert case_count(app) == 0


def test_someone_who_is_not_a_manager_is_refused_by_the_api_and_the_cli(app, callers):
    """(The console enrols for the manager signed in: it cannot name anyone else.)"""
    refused = refusal(app, manager="op1", start=days(0), end=days(13))
    assert refused.reason == "manager"
    by_api, _, by_cli = callers(days(0), days(13), manager="op1")
    assert by_api.status_code == 422
    assert by_api.json["errors"] == [{"field": "manager", "location": "json",
                                      "reason": "not an active quarantine manager"}]
    assert by_cli.exit_code != 0 and str(refused) in by_cli.output
    assert case_count(app) == 1  # the console's own enrolment, for mgr1


def test_an_overlapping_case_is_refused_by_every_caller(app, callers):
    with transaction(runtime_of(app).sessions) as session:
        first = enrol(session, phone=PERSON, name="Nguyen Van An", manager=MANAGER,
                      start=days(0), end=days(13))
    refused = refusal(app, manager=MANAGER, start=days(5), end=days(20))
    assert (refused.reason, refused.case_id) == ("overlap", first.id)
    by_api, by_console, by_cli = callers(days(5), days(20))
    assert by_api.status_code == 409
    assert (by_api.json["type"], by_api.json["case_id"]) == (
        "urn:gateway:problem:case-exists", first.id)
    assert by_console.status_code == 400 and str(refused) in page(by_console)
    assert by_cli.exit_code != 0 and str(refused) in by_cli.output
    assert case_count(app) == 1


def welcomes(app) -> list[OutboundMessage]:
    with runtime_of(app).sessions() as session:
        return list(session.scalars(select(OutboundMessage)
                                    .where(OutboundMessage.dedup_key.like("welcome:%"))))


def test_the_welcome_is_handed_to_the_workers_once_and_only_after_the_commit(app):
    make_user(app, MANAGER, "manager", phone=MANAGER_PHONE)
    rt = runtime_of(app)
    with transaction(rt.sessions) as session:
        case = enrol(session, phone=PERSON, name="Nguyen Van An", manager=MANAGER,
                     start=days(0), end=days(13))
        [(welcome_id, priority)] = handoff.pending(session)
        assert outbound.job_of(rt.redis, welcome_id) is None  # not before the commit
    assert priority == "default"
    job = outbound.job_of(rt.redis, welcome_id)
    assert job is not None and rt.queue("default").job_ids == [job]
    [welcome] = welcomes(app)
    assert (welcome.id, welcome.dedup_key) == (welcome_id, f"welcome:{case.id}")


def test_a_rolled_back_enrolment_hands_nothing_over(app):
    make_user(app, MANAGER, "manager", phone=MANAGER_PHONE)
    rt = runtime_of(app)
    with pytest.raises(RuntimeError), transaction(rt.sessions) as session:
        enrol(session, phone=PERSON, name="Nguyen Van An", manager=MANAGER,
              start=days(0), end=days(13))
        raise RuntimeError("the caller's next step failed")
    assert case_count(app) == 0 and welcomes(app) == []
    assert rt.queue("default").job_ids == []
