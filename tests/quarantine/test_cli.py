"""The command line: `gateway user create`, `gateway quarantine enrol` (the case and
its welcome SMS), `gateway quarantine digest` and `gateway reminders run`, with their
refusals."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from gateway.store import venues
from gateway.store.db import transaction
from gateway.store.models import QuarantineCase, User
from tests.quarantine.conftest import DAY, MANAGER_PHONE, runtime_of
from tests.test_processes import cli

ENROL = ["quarantine", "enrol", "--phone", "0912.000.001", "--name", "Nguyễn Văn  An",
         "--manager", "bs_lan", "--start", "2026-03-07", "--end", "2026-03-20"]


@pytest.fixture
def lan(app, config) -> None:
    """The manager bs_lan, created through the command line."""
    result = cli(config, "user", "create", "bs_lan", "--role", "manager", "--phone",
                 "0903 000 001", "--name", "Bs  Lan")
    assert result.exit_code == 0, result.output
    assert result.output == "created user bs_lan (#1, manager, +849*****001)\n"


def test_user_create_stores_a_manager(app, lan):
    with runtime_of(app).sessions() as session:
        user = session.scalar(select(User))
    assert (user.username, user.role, user.phone, user.display_name, user.active) == (
        "bs_lan", "manager", MANAGER_PHONE, "Bs Lan", True)
    assert user.password_hash is None


@pytest.mark.parametrize(("args", "error"), [
    (["bs_lan", "--role", "manager", "--phone", "0903000002"], "already exists"),
    (["bs_binh", "--role", "manager"], "a manager needs a phone"),
    (["bs_binh", "--role", "manager", "--phone", "12345"], "not a valid phone number"),
    (["bs_binh", "--role", "chief", "--phone", "0903000002"], "'chief' is not one of"),
    (["Bs Binh", "--role", "operator"], "lower-case letters"),
])
def test_user_create_refuses(app, config, lan, args, error):
    result = cli(config, "user", "create", *args)
    assert result.exit_code != 0
    assert error in result.output


def test_enrol_creates_the_case_and_sends_the_welcome(app, config, lan, inbox):
    result = cli(config, *ENROL)
    assert result.exit_code == 0, result.output
    assert result.output == ("enrolled case #1: Nguyễn Văn An, +849*****001, home, "
                             "2026-03-07 to 2026-03-20, manager bs_lan; welcome SMS queued\n")
    with runtime_of(app).sessions() as session:
        case = session.scalar(select(QuarantineCase))
    assert (case.phone, case.full_name, case.kind, case.status, case.manager_id,
            case.channel) == ("+84912000001", "Nguyễn Văn An", "home", "active", 1, "cli")
    [welcome] = inbox.messages("+84912000001")
    assert welcome["body"] == (
        "Ban duoc theo doi cach ly tai nha den het 20/03/2026. Moi ngay tra loi tin nhac: 0 "
        "neu khoe, hoac so trieu chung va nhiet do (vd 1 3 38.5). HD: gui SK")


def test_enrol_in_a_facility(app, config, lan):
    with transaction(runtime_of(app).sessions) as session:
        code = venues.create(session, name="Khu cach ly KTX", kind="other", province_code=1,
                             province_name="Ha Noi").code
    result = cli(config, *ENROL, "--kind", "facility", "--venue", code)
    assert result.exit_code == 0, result.output
    with runtime_of(app).sessions() as session:
        case = session.scalar(select(QuarantineCase))
    assert (case.kind, case.venue_id) == ("facility", 1)


@pytest.mark.parametrize(("change", "error"), [
    ({"--manager": "nobody"}, "'nobody' is not an active quarantine manager"),
    ({"--phone": "0241234567"}, "give a mobile number such as 0912345678"),
    ({"--end": "2026-03-01"}, "before the start date"),
    ({"--name": "A"}, "2 to 80 characters"),
    ({"--venue": "1234567"}, "no venue has the code"),
])
def test_enrol_refuses(app, config, lan, change, error):
    args = list(ENROL)
    for option, value in change.items():
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    result = cli(config, *args)
    assert result.exit_code != 0
    assert error in result.output


def test_enrol_refuses_a_second_active_case(app, config, lan):
    assert cli(config, *ENROL).exit_code == 0
    result = cli(config, *ENROL)
    assert result.exit_code != 0
    assert "+849*****001 already has an active case (#1, until 2026-03-20)" in result.output


def test_enrol_refuses_a_user_who_is_no_manager(app, config, lan):
    assert cli(config, "user", "create", "op_mai", "--role", "operator").exit_code == 0
    args = [*ENROL[:ENROL.index("--manager") + 1], "op_mai",
            *ENROL[ENROL.index("--manager") + 2:]]
    assert "'op_mai' is not an active quarantine manager" in cli(config, *args).output


def test_reminders_run_and_digest_by_hand(app, config, lan, inbox):
    cli(config, *ENROL)
    result = cli(config, "reminders", "run", "--slot", "morning", "--date", DAY.isoformat())
    assert result.exit_code == 0, result.output
    assert result.output == ("slot=morning day=2026-03-10 result=done seen=1 queued=1 "
                             "skipped=0\n")
    again = cli(config, "reminders", "run", "--date", DAY.isoformat())
    assert "queued=0" in again.output  # by hand too, never twice
    assert inbox.messages("+84912000001")[-1]["body"].startswith("Bao cao suc khoe 10/03")
    data = json.loads(cli(config, "quarantine", "digest", "bs_lan", "--date",
                          DAY.isoformat(), "--json").output)
    assert (data["active"], data["reported"], data["missing"]) == (1, 0, 1)
    assert data["missing_people"][0]["missed_days"] == 4
    text = cli(config, "quarantine", "digest", "bs_lan", "--date", DAY.isoformat()).output
    assert text.startswith("Cach ly 10/03: 1 dang theo doi, 0 da bao cao")
