"""Where a turn's time goes, in-process: `python -m bench.profile [lives] [--cpu-only]`.

Runs whole lives (an SMS declaration with its OTP read from the outbox, a check-in and
check-out, a quarantine report and its amendment with a danger sign, which alerts the
manager) through the real app on PostgreSQL and Redis with Flask's test client, as
signed webhooks: first the CPU time of a turn against a request to the bare endpoint
(no profiler), then a pyinstrument profile of the same turns. `--cpu-only` stops after
the figures (for `valgrind --tool=callgrind`, whose instruction counts noise on a
shared machine does not bend)."""

from __future__ import annotations

import re
import sys
import time
import uuid
from datetime import timedelta
from ipaddress import ip_network

import psycopg
from pyinstrument import Profiler
from sqlalchemy import select
from sqlalchemy import text as sql
from twilio.request_validator import RequestValidator

from bench.scenarios import FORM
from bench.stack import BENCH_DATA_KEY, PG_ADMIN, REDIS_URL
from gateway import create_app, sealing
from gateway import runtime as runtimes
from gateway.config import Config
from gateway.quarantine import today
from gateway.store import schema, venues
from gateway.store.models import OutboundMessage, utcnow
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN

SIGNER = RequestValidator(AUTH_TOKEN)
BARE_REQUESTS = 2000


def post(client, path: str, form: dict[str, str]) -> str:
    """A signed webhook request; the answer's text."""
    signature = SIGNER.compute_signature(f"http://localhost{path}", form)
    return client.post(path, data=form,
                       headers={"X-Twilio-Signature": signature}).get_data(as_text=True)


def declare(client, sessions, number: str, secret: str = "x") -> int:
    """One whole SMS declaration (agreeing to the notice; the OTP read from the outbox
    table); its turns."""
    def sms(body: str) -> str:
        return post(client, "/sms/twilio", {"From": number, "To": "1022", "Body": body,
                                            "MessageSid": "SM" + uuid.uuid4().hex})
    sms("KB")
    sms("1")  # agree to the privacy notice
    with sessions() as session:
        sealed = session.scalars(select(OutboundMessage.sealed).where(
            OutboundMessage.phone == number).order_by(OutboundMessage.id.desc())).first()
    body = sealing.unseal(secret, sealed)  # the OTP's text is kept sealed, as sent
    sms(re.search(r"\d{6}", body).group(0))
    for text, _ in FORM:
        sms(text)
    sms("1")
    return len(FORM) + 4


def prepare(sessions, tz) -> str:
    """A venue (its code is returned) and a manager for the quarantine cases."""
    with sessions() as session, session.begin():
        code = venues.create(session, name="Cho Ben Thanh", kind="market", province_code=79,
                             province_name="Thanh pho Ho Chi Minh").code
        session.execute(sql(
            "INSERT INTO users (username, display_name, role, phone, active, failed_logins, "
            "created_at) VALUES ('profile-manager', 'Manager', 'manager', '+84970000001', "
            "true, 0, :now)"), {"now": utcnow()})
    return code


def life(client, sessions, number: str, venue: str, tz) -> int:
    """A declaration, then a check-in and check-out, then (the phone put in quarantine)
    a report and its amendment with a danger sign; its turns."""
    turns = declare(client, sessions, number)

    def sms(body: str) -> str:
        return post(client, "/sms/twilio", {"From": number, "To": "1022", "Body": body,
                                            "MessageSid": "SM" + uuid.uuid4().hex})
    assert "Da check-in" in sms(f"CI {venue}")
    assert "Da check-out" in sms("CO")
    day = today(tz)
    with sessions() as session, session.begin():
        session.execute(sql(
            "INSERT INTO quarantine_cases (phone, full_name, kind, start_date, end_date, "
            "manager_id, status, alert, channel, created_at, updated_at) SELECT :phone, "
            "'Nguoi', 'home', :start, :end, id, 'active', false, 'cli', :now, :now "
            "FROM users WHERE username = 'profile-manager'"),
            {"phone": number, "start": day - timedelta(days=2),
             "end": day + timedelta(days=12), "now": utcnow()})
    assert "Da ghi nhan" in sms("SK 0")
    assert "Da cap nhat" in sms("1 3 38.5")
    return turns + 4


def cpu_ms(work, count: int) -> float:
    """CPU milliseconds per unit of `work()` (which returns how many units it did)."""
    started, units = time.process_time(), 0
    for _ in range(count):
        units += work()
    return 1000 * (time.process_time() - started) / units


def main() -> None:
    """Measure, then profile, `declarations` declarations' worth of turns."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 30
    name = f"gwprof_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    schema.upgrade(url)
    app = create_app(Config(database_url=url, redis_url=REDIS_URL, secret_key="x",
                            sms_backend="outbox", data_encryption_key=BENCH_DATA_KEY,
                            twilio_account_sid=ACCOUNT_SID,
                            twilio_auth_token=AUTH_TOKEN, bench_endpoint=True,
                            otp_global_per_minute=100_000, log_level="WARNING",
                            ussd_allowed_networks=(ip_network("127.0.0.1/32"),)))
    runtime = runtimes.of(app)
    runtime.redis.flushdb()
    client = app.test_client()
    numbers = (f"+8491{n:07d}" for n in range(10_000_000))
    try:
        tz = runtime.config.tz
        venue = prepare(runtime.sessions, tz)
        life(client, runtime.sessions, next(numbers), venue, tz)  # warm-up
        bare_form = {"From": "+84912345678", "To": "1022", "Body": "KB", "MessageSid": "SM0"}
        bare = cpu_ms(lambda: post(client, "/bench/bare", bare_form) and 1, BARE_REQUESTS)
        turn = cpu_ms(lambda: life(client, runtime.sessions, next(numbers), venue, tz), count)
        print(f"CPU per request, in this process: bare {bare:.2f} ms, SMS turn {turn:.2f} ms "
              f"({bare / turn:.2f} of a turn)\n")
        if "--cpu-only" in sys.argv:
            return
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(count):
            life(client, runtime.sessions, next(numbers), venue, tz)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    finally:
        runtime.engine.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
