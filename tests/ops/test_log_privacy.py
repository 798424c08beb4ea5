"""No personal data in the logs or the metrics, through the real stack: gunicorn started
with the Procfile's own command line (its access log included), a real `gateway worker`
sending through the Twilio stand-in, PostgreSQL and Redis. Representative traffic —
declarations over USSD and SMS (with an OTP), a check-in, status, a quarantine report
with symptoms, a hotline call, API reads and writes, bad input and refused requests —
then every line the processes printed and the `/metrics` page are scanned for phone
numbers, names, ID and insurance numbers and symptoms (tests/logscan.py)."""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from gateway import runtime as runtimes
from gateway.config import Config
from gateway.store.models import OutboundMessage
from tests.api.conftest import case_body, make_token, manager, venue_body
from tests.conftest import AGGREGATOR, DATA_KEY, SECRET, Phone
from tests.declare.test_sms import NEW_USER
from tests.hotline.conftest import PASSWORD, make_user
from tests.logscan import capture, leaks
from tests.sms.workers import worker_env
from tests.test_processes import BIN, free_port, wait_for
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn

ROOT = Path(__file__).resolve().parents[2]
ME = "+84912345678"
VISITOR = "+84987654321"
CALLER = "+84903555777"
USSD_FORM = ["1", "Tran Thi C", "1990", "2", "001090012345", "HS4010123456789", "99", "13",
             "le chan", "5 Tran Phu", "3 4", "2", "2", "1"]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def config(pg_url, redis_url, twilio_standin: TwilioStandIn) -> Config:
    """Production-like: PostgreSQL, real Redis, Twilio (signed webhooks) via the stand-in."""
    return Config(database_url=pg_url, redis_url=redis_url, secret_key=SECRET,
                  data_encryption_key=DATA_KEY, sms_backend="twilio",
                  twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                  twilio_from="IT-antiNCOV", twilio_api_base_url=twilio_standin.url,
                  ussd_allowed_networks=AGGREGATOR)


class Stack:
    """The Procfile's web and worker processes; what they print goes to files."""

    def __init__(self, config: Config, tmp_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.logs = {"web": tmp_path / "web.log", "worker": tmp_path / "worker.log"}
        env = {**worker_env(config), "PORT": str(self.port), "WEB_CONCURRENCY": "1",
               "HOME": str(tmp_path), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
               "USSD_ALLOWED_NETWORKS": ",".join(map(str, config.ussd_allowed_networks))}
        web = next(line.split(":", 1)[1] for line in
                   (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
        self.processes = [
            subprocess.Popen(["sh", "-c", f"exec {web.strip()}"], env=env, cwd=tmp_path,
                             stdout=self.logs["web"].open("w"), stderr=subprocess.STDOUT),
            subprocess.Popen([str(BIN / "gateway"), "worker"], env=env, cwd=tmp_path,
                             stdout=self.logs["worker"].open("w"), stderr=subprocess.STDOUT)]
        wait_for(f"{self.url}/healthz")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    def printed(self) -> dict[str, str]:
        """Everything each process printed so far."""
        return {name: path.read_text() for name, path in self.logs.items()}


@pytest.fixture
def stack(app, config, tmp_path):
    """The running stack; afterwards its output joins the run's log scan too."""
    running = Stack(config, tmp_path)
    yield running
    running.stop()
    for name, text in running.printed().items():
        capture(f"stack {name}", text)


class HttpPhone:
    """A feature phone talking to the served gateway over real HTTP."""

    def __init__(self, url: str, number: str):
        self.url, self.number = url, number
        self.session, self.inputs = "", []

    def sms(self, body: str) -> str:
        form = {"From": self.number, "To": "+84240000", "Body": body,
                "MessageSid": "SM" + uuid.uuid4().hex}
        signature = RequestValidator(AUTH_TOKEN).compute_signature(
            f"{self.url}/sms/twilio", form)
        answer = requests.post(f"{self.url}/sms/twilio", data=form, timeout=20,
                               headers={"X-Twilio-Signature": signature})
        assert answer.status_code == 200, answer.text
        return answer.text

    def dial(self) -> str:
        self.session, self.inputs = "AT" + uuid.uuid4().hex, []
        return self._ussd()

    def press(self, key: str) -> str:
        self.inputs.append(key)
        return self._ussd()

    def _ussd(self) -> str:
        answer = requests.post(f"{self.url}/ussd", timeout=20, data={
            "sessionId": self.session, "serviceCode": "*1022#", "phoneNumber": self.number,
            "networkCode": "45204", "text": "*".join(self.inputs)})
        assert answer.status_code == 200, answer.text
        return answer.text


class HttpConsole:
    """A browser on the console over real HTTP. The session cookie is Secure (the
    console sits behind TLS in production); this client returns it over the loopback's
    plain HTTP, as the proxy in front would."""

    def __init__(self, url: str):
        self.url, self.cookies, self.csrf = url, {}, ""

    def get(self, path: str) -> requests.Response:
        return self._keep(requests.get(self.url + path, cookies=self.cookies, timeout=20,
                                       allow_redirects=False))

    def post(self, path: str, form: dict[str, str]) -> requests.Response:
        if not self.csrf:
            self.get("/hotline/login")
        return self._keep(requests.post(self.url + path, data={**form, "csrf_token": self.csrf},
                                        cookies=self.cookies, timeout=20,
                                        allow_redirects=False))

    def _keep(self, response: requests.Response) -> requests.Response:
        self.cookies.update({c.name: c.value for c in response.cookies})
        found = _CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response


def otp(standin: TwilioStandIn, number: str, sent_before: int) -> str:
    """The code of the OTP the worker sent to `number` after `sent_before` messages."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sent = standin.sent_to(number)
        if len(sent) > sent_before:
            return re.search(r"\b\d{6}\b", sent[-1]["body"]).group(0)
        time.sleep(0.1)
    raise AssertionError(f"no OTP reached the stand-in within 30 s ({number[:5]}…)")


def test_representative_traffic_leaves_no_personal_data_in_logs_or_metrics(
        app, stack, twilio_standin):
    url = stack.url
    token = make_token(app, "privacy")
    api = {"Authorization": f"Bearer {token}", "X-Request-Id": "req-privacy"}

    # Both phones agreed to the privacy notice before (its question is tested elsewhere).
    Phone(app.test_client(), ME).agreed("ussd")
    Phone(app.test_client(), VISITOR).agreed()

    # USSD: a declaration with an ID, a BHYT number and symptoms; then status.
    me = HttpPhone(url, ME)
    me.dial()
    for key in USSD_FORM:
        screen = me.press(key)
    assert screen.startswith("END Da khai bao"), screen

    # SMS: a new user's declaration with the OTP the worker sends; check-in; status.
    visitor = HttpPhone(url, VISITOR)
    assert "Da gui ma 6 so" in visitor.sms("KB")
    assert "ho va ten" in visitor.sms(otp(twilio_standin, VISITOR, 0))
    for text, expected in NEW_USER:
        assert expected in visitor.sms(text), text
    assert "Da khai bao" in visitor.sms("1")
    market = requests.post(f"{url}/api/v1/venues", json=venue_body(), headers=api, timeout=20)
    assert market.status_code == 201, market.text
    assert "Da check-in" in visitor.sms(f"CI {market.json()['code']}")
    assert visitor.sms("TT")
    assert visitor.sms("xyz 0912 345 678")  # a wrong keyword carrying a phone number

    # Quarantine: enrolled through the API (welcome SMS by the worker), then a report
    # with symptoms and a fever, which alerts the manager.
    boss = manager(app)
    case = requests.post(f"{url}/api/v1/quarantine-cases", headers=api, timeout=20,
                         json=case_body(boss, phone=ME, full_name="Tran Thi B"))
    assert case.status_code == 201, case.text
    assert "Da ghi nhan" in me.sms("BC 3 4 38.9")

    # The hotline: an operator verifies a caller with an OTP and searches the audit log.
    make_user(app, "op1", "operator")
    make_user(app, "admin1", "admin")
    operator = HttpConsole(url)
    assert operator.post("/hotline/login", {"username": "op1",
                                            "password": PASSWORD}).status_code == 302
    assert operator.get("/hotline/call").status_code == 200  # the form, its CSRF token
    assert operator.post("/hotline/call", {"phone": "0903 555 777"}).status_code == 302
    code = otp(twilio_standin, CALLER, 0)
    assert operator.post("/hotline/call/code", {"code": code}).status_code == 302
    assert operator.get("/hotline/caller").status_code == 200
    admin = HttpConsole(url)
    admin.post("/hotline/login", {"username": "admin1", "password": PASSWORD})
    assert admin.get("/hotline/admin/audit").status_code == 200
    assert admin.post("/hotline/admin/audit", {"phone": CALLER}).status_code == 200

    # The records API: searches in bodies, a bad body, the old query parameter refused,
    # and a request without a token.
    search = requests.post(f"{url}/api/v1/declarations/search", headers=api, timeout=20,
                           json={"phone": VISITOR, "id_number": "012345678901"})
    assert [d["full_name"] for d in search.json()["items"]] == ["Nguyễn Văn An"]
    exposures = requests.post(f"{url}/api/v1/exposures", headers=api, timeout=20, json={
        "phone": VISITOR, "from": "2026-01-01T00:00:00Z", "to": "2026-01-20T00:00:00Z"})
    assert exposures.status_code == 200
    bad = requests.post(f"{url}/api/v1/declarations", headers=api, timeout=20,
                        json={"phone": "0912 345 678", "full_name": "Le Thi Hoa",
                              "id_number": "C7654321", "birth_year": 1800})
    assert bad.status_code == 422
    moved = requests.get(f"{url}/api/v1/declarations?phone=0912345678&id_number=001090012345",
                         headers=api, timeout=20)
    assert moved.status_code == 400
    assert requests.get(f"{url}/api/v1/visits", timeout=20).status_code == 401

    metrics = requests.get(f"{url}/metrics", timeout=20)
    assert metrics.status_code == 200 and "gateway_" in metrics.text
    printed = _settled(app, stack)
    # The access log has every request, by path only (no query string).
    assert '"POST /ussd HTTP/1.1" 200' in printed["web"]
    assert '"GET /api/v1/declarations HTTP/1.1" 400' in printed["web"]
    assert not [line for line in printed["web"].splitlines() if '"GET /api/v1/' in line
                and "?" in line]
    # The worker sent: the visitor's OTP, the welcome, the manager's alert, the caller's OTP.
    assert printed["worker"].count(": deliver (sms-") == 4
    found = [(source, line, kinds)
             for source, text in [*printed.items(), ("metrics", metrics.text)]
             for line in text.splitlines() if (kinds := leaks(line))]
    assert found == []


def _settled(app, stack: Stack) -> dict[str, str]:
    """What the processes printed, once the worker has sent everything the traffic
    queued and the access log shows the last request."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (_unsent(app) or '"GET /metrics' not in
                                           stack.printed()["web"]):
        time.sleep(0.2)
    assert _unsent(app) == 0
    time.sleep(0.5)  # the worker logs a job's end just after the row is marked sent
    return stack.printed()


def _unsent(app) -> int:
    with runtimes.of(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.status.in_(("queued", "sending"))))
