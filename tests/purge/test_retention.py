"""The retention settings: defaults, each setting read, and one clear line for a bad one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.config import Config, ConfigError
from gateway.retention import KINDS, Retention
from tests.conftest import DATA_KEY

BASE = {"SECRET_KEY": "s", "REDIS_URL": "redis://localhost:6379/0",
        "DATA_ENCRYPTION_KEY": DATA_KEY}


def test_every_kind_has_its_documented_default():
    retention = Config.from_env(BASE, dotenv=False).retention
    assert retention == Retention()
    assert retention["otp"] == timedelta(minutes=15)
    assert retention["dialogue"] == timedelta(hours=24)
    assert retention["visits"] == timedelta(days=21)
    assert retention["audit"] == timedelta(days=730)
    assert all(kind.reason for kind in KINDS)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.setting)
def test_each_setting_is_read_in_its_unit(kind):
    retention = Config.from_env({**BASE, kind.setting: "400"}, dotenv=False).retention
    assert retention[kind.name] == 400 * kind.unit


@pytest.mark.parametrize(("value", "reason"), [
    ("abc", "RETENTION_VISITS_DAYS must be a whole number of days, at least 1, not 'abc'"),
    ("0", "RETENTION_VISITS_DAYS must be a whole number of days, at least 1, not '0'"),
    ("-3", "RETENTION_VISITS_DAYS must be a whole number of days, at least 1, not '-3'"),
    ("2.5", "RETENTION_VISITS_DAYS must be a whole number of days, at least 1, not '2.5'"),
    ("99999", "RETENTION_VISITS_DAYS must be at most 3660 days, not '99999'"),
])
def test_a_bad_value_is_one_line_naming_the_setting(value, reason):
    with pytest.raises(ConfigError) as error:
        Config.from_env({**BASE, "RETENTION_VISITS_DAYS": value}, dotenv=False)
    assert str(error.value) == reason


def test_a_dialogue_kept_shorter_than_it_may_be_resumed_is_refused():
    with pytest.raises(ConfigError, match=r"^RETENTION_DIALOGUE_HOURS must be at least "
                                          r"RESUME_HOURS \(24\)$"):
        Config.from_env({**BASE, "RETENTION_DIALOGUE_HOURS": "12"}, dotenv=False)
    Config.from_env({**BASE, "RETENTION_DIALOGUE_HOURS": "12", "RESUME_HOURS": "12"},
                    dotenv=False)


def test_an_outbox_kept_no_longer_than_its_retries_is_refused():
    with pytest.raises(ConfigError, match=r"^RETENTION_OUTBOX_DAYS must be longer than "
                                          r"SMS_RETRY_HOURS \(24 h\)$"):
        Config.from_env({**BASE, "RETENTION_OUTBOX_DAYS": "1"}, dotenv=False)
