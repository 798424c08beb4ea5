"""`gateway user create` with console access: the password from standard input and
the venues of venue staff; the account then signs in to the console."""

from __future__ import annotations

from gateway import runtime as runtimes
from hotline import accounts
from tests.hotline.conftest import Console, make_venue, user
from tests.test_processes import cli


def test_an_operator_created_on_the_command_line_signs_in(app, config):
    result = cli(config, "user", "create", "op9", "--role", "operator", "--password-stdin",
                 input="a long console password\n")
    assert result.exit_code == 0, result.output
    assert "created user op9" in result.output
    assert Console(app.test_client()).login("op9", "a long console password").status_code == 302


def test_venue_staff_get_their_venues(app, config):
    first, second = make_venue(app, "A"), make_venue(app, "B")
    result = cli(config, "user", "create", "staff9", "--role", "venue_staff", "--venue",
                 first["code"], "--venue", second["code"], "--password-stdin",
                 input="a long console password\n")
    assert result.exit_code == 0, result.output
    with runtimes.of(app).sessions() as session:
        names = [v.name for v in accounts.venues_of(session, user(app, "staff9").id)]
    assert names == ["A", "B"]


def test_refusals_name_the_option_and_create_nothing(app, config):
    long_enough, short = "a long console password\n", "short\n"
    cases = [(("--role", "venue_staff"), long_enough, "--venue", "at least one venue"),
             (("--role", "venue_staff", "--venue", "1234567"), long_enough, "--venue",
              "1234567"),
             (("--role", "operator"), short, "--password-stdin", "at least 10 characters")]
    for options, password, hint, reason in cases:
        result = cli(config, "user", "create", "x9", *options, "--password-stdin",
                     input=password)
        assert result.exit_code == 2 and hint in result.output and reason in result.output
    assert user(app, "x9") is None


def test_without_a_password_the_account_cannot_sign_in(app, config):
    result = cli(config, "user", "create", "mgr9", "--role", "manager", "--phone",
                 "0903000111", input="")
    assert result.exit_code == 0, result.output
    assert user(app, "mgr9").password_hash is None
    assert Console(app.test_client()).login("mgr9", "anything at all").status_code == 401
