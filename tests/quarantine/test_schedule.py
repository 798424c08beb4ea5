"""The schedule: the configured local times become RQ cron entries in GATEWAY_TIMEZONE;
a real `gateway cron` process registers the four runs and enqueues one when its time
comes, and a real worker performs it. Also the configuration of these times."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest
from rq import Queue
from rq.cron import CronScheduler

from gateway.config import Config, ConfigError
from gateway.quarantine import schedule
from tests.conftest import DATA_KEY
from tests.quarantine.conftest import PERSON, add_case, runtime_of
from tests.test_processes import BIN, env_for

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
START_LEAD = 15  # seconds between starting the cron process and the run it must enqueue


def test_times_become_cron_expressions_in_local_time():
    config = Config(secret_key="x", reminder_morning_at=clock(7, 30), digest_at=clock(17, 5, 9))
    assert schedule.entries(config) == {"morning": "30 7 * * *", "noon": "0 12 * * *",
                                        "digest": "5 17 * * * 9", "end": "0 18 * * *"}


@pytest.mark.parametrize(("env", "field", "value"), [
    ({}, "reminder_morning_at", clock(8, 0)),
    ({"REMINDER_MORNING_AT": "7:15"}, "reminder_morning_at", clock(7, 15)),
    ({"REMINDER_NOON_AT": "12:30"}, "reminder_noon_at", clock(12, 30)),
    ({"DIGEST_AT": "18:00:30"}, "digest_at", clock(18, 0, 30)),
    ({"QUARANTINE_END_AT": "09:00"}, "quarantine_end_at", clock(9, 0)),
    ({"DANGER_TEMPERATURE": "38,5"}, "danger_temperature", 38.5),
    ({"DANGER_SYMPTOMS": "8, 3 7"}, "danger_symptoms", (3, 7, 8)),
    ({"SMS_RATE_PER_SECOND": "0.5"}, "sms_rate_per_second", 0.5),
    ({}, "sms_rate_per_second", 10.0),
])
def test_quarantine_settings(env, field, value):
    config = Config.from_env({"DATA_ENCRYPTION_KEY": DATA_KEY,
                              "SECRET_KEY": "x", **env}, dotenv=False)
    assert getattr(config, field) == value


@pytest.mark.parametrize(("env", "variable"), [
    ({"REMINDER_MORNING_AT": "8h"}, "REMINDER_MORNING_AT"),
    ({"DIGEST_AT": "25:00"}, "DIGEST_AT"),
    ({"DANGER_TEMPERATURE": "hot"}, "DANGER_TEMPERATURE"),
    ({"DANGER_TEMPERATURE": "45"}, "DANGER_TEMPERATURE"),
    ({"DANGER_SYMPTOMS": "3,9"}, "DANGER_SYMPTOMS"),
    ({"DANGER_SYMPTOMS": "chest"}, "DANGER_SYMPTOMS"),
    ({"SMS_RATE_PER_SECOND": "0"}, "SMS_RATE_PER_SECOND"),
])
def test_bad_quarantine_settings_name_the_variable(env, variable):
    with pytest.raises(ConfigError, match=variable):
        Config.from_env({"DATA_ENCRYPTION_KEY": DATA_KEY, "SECRET_KEY": "x", **env}, dotenv=False)


def test_the_cron_process_registers_the_runs_and_enqueues_one_on_time(app, manager,
                                                                      tmp_path, inbox):
    today = datetime.now(HANOI).date()
    add_case(app, start=today - timedelta(days=1), end=today + timedelta(days=5))
    inbox.deliver()  # the welcome SMS
    # Far enough ahead that a slow start of the process (a loaded CI machine) does not
    # miss it: a time already past when cron registers would only fire tomorrow.
    soon = (datetime.now(HANOI) + timedelta(seconds=START_LEAD)).time().replace(microsecond=0)
    config = runtime_of(app).config
    process = subprocess.Popen(
        [str(BIN / "gateway"), "cron"], cwd=tmp_path, stderr=subprocess.DEVNULL,
        env=env_for(config, GATEWAY_TIMEZONE="Asia/Ho_Chi_Minh",
                    REMINDER_MORNING_AT=soon.isoformat(), TZ="UTC"))
    try:
        redis = runtime_of(app).redis
        queue = Queue("default", connection=redis)
        deadline = time.monotonic() + START_LEAD + 30
        runs = []
        while time.monotonic() < deadline and not runs:
            runs = [job for job in queue.jobs if job.func_name == "gateway.quarantine.runs.run"]
            time.sleep(0.2)
        [scheduler] = CronScheduler.all(redis)
        registered = {job.name: job for job in scheduler.get_jobs()}
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert [job.args for job in runs] == [("morning",)], "cron enqueued no quarantine run"
    assert {name: job.cron for name, job in registered.items() if name.startswith("q")} == {
        "quarantine-morning": schedule.cron_expression(soon),
        "quarantine-noon": "0 12 * * *", "quarantine-digest": "0 17 * * *",
        "quarantine-end": "0 18 * * *"}
    # 17:00 is 17:00 in Hanoi, though the process was started with TZ=UTC.
    digest_at = registered["quarantine-digest"].next_enqueue_time
    assert digest_at.astimezone(HANOI).time() == clock(17, 0)
    assert timedelta(0) < digest_at - datetime.now(UTC) <= timedelta(days=1)
    # A real worker performs the run: the person is reminded.
    inbox.deliver()
    [reminder] = [m["body"] for m in inbox.messages(PERSON)][1:]
    assert reminder.startswith(f"Bao cao suc khoe {today:%d/%m}: tra loi 0 neu khoe")
