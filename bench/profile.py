"""Profile SMS turns in-process (pyinstrument): `python -m bench.profile [turns]`.

Runs whole SMS declarations through the real app (PostgreSQL, Redis) with Flask's
test client and prints where a turn's time goes."""

from __future__ import annotations

import re
import sys
import uuid

import psycopg
from pyinstrument import Profiler

from bench.scenarios import FORM
from bench.stack import PG_ADMIN, REDIS_URL
from gateway import create_app
from gateway.config import Config
from gateway.store import schema
from gateway.store.models import OutboundMessage
from tests.twilio_standin import ACCOUNT_SID


def declare(client, sessions, number: str) -> None:
    """One whole SMS declaration (the OTP read from the outbox table)."""
    def sms(body: str) -> str:
        response = client.post("/sms/twilio", data={"From": number, "To": "1022", "Body": body,
                                                    "MessageSid": "SM" + uuid.uuid4().hex})
        return response.get_data(as_text=True)
    sms("KB")
    with sessions() as session:
        body = session.query(OutboundMessage.body).filter_by(phone=number).one()[0]
    sms(re.search(r"\d{6}", body).group(0))
    for text, _ in FORM:
        sms(text)
    sms("1")


def main() -> None:
    """Profile `turns` declarations' worth of turns."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    name = f"gwprof_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    schema.upgrade(url)
    app = create_app(Config(database_url=url, redis_url=REDIS_URL, secret_key="x",
                            sms_backend="outbox", twilio_account_sid=ACCOUNT_SID,
                            log_level="WARNING"))
    runtime = app.extensions["gateway"]
    runtime.redis.flushdb()
    client = app.test_client()
    declare(client, runtime.sessions, "+84919999999")  # warm-up
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for n in range(count):
        declare(client, runtime.sessions, f"+8491{n:07d}")
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    runtime.engine.dispose()
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
