"""`gateway sim` against the demo served over HTTP: the SMS the gateway sends the phone
(the OTP of a declaration) show in the terminal, so a declaration can be finished
there; messages sent before the session are not repeated."""

from __future__ import annotations

import re

from click.testing import CliRunner
from flask.cli import ScriptInfo

from gateway import runtime as runtimes
from gateway.cli.main import gateway
from gateway.store import messages
from gateway.store.db import transaction

NUMBER = "+84912345678"


def sim(url: str, text: str, *args: str) -> str:
    """Run `gateway sim` on `text`; its output."""
    result = CliRunner().invoke(gateway, ["sim", "--url", url, "--phone", "0912345678", *args],
                                input=text, obj=ScriptInfo(create_app=lambda: None))
    assert result.exit_code == 0, result.output
    return result.output


def test_the_otp_shows_and_finishes_the_verification(served_demo, demo_app):
    with transaction(runtimes.of(demo_app).sessions) as session:
        messages.queue_outbound(session, phone=NUMBER, body="an old message", kind="notice",
                                priority="high")
    output = sim(served_demo, "KB\n1\n")  # declare, agree to the privacy notice
    assert "< Thong tin suc khoe" in output
    assert "an old message" not in output
    found = re.search(r"^SMS \(otp\): .*?(\d{6})", output, re.M)
    assert found, output
    # The code read from the terminal is the one the gateway accepts.
    answer = sim(served_demo, f"{found[1]}\n")
    assert "< Khai bao y te. Nhap ho va ten day du" in answer, answer


def test_a_gateway_without_the_outbox_view_says_so_once(served):
    output = sim(served, "HD\nHD\n")
    assert output.count("only the demo does") == 1
