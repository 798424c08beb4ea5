"""Configuration: defaults, and a readable error naming the variable for every
malformed setting."""

import os

import pytest

from gateway.config import Config, ConfigError
from tests.conftest import DATA_KEY

BASE = {"DATA_ENCRYPTION_KEY": DATA_KEY, "SECRET_KEY": "s3cret"}
TWILIO = {**BASE, "SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": "AC123",
          "TWILIO_AUTH_TOKEN": "token", "TWILIO_FROM": "IT-antiNCOV"}


def load(**env: str) -> Config:
    return Config.from_env(environ={**BASE, **env}, dotenv=False)


def test_defaults():
    config = load()
    assert config.database_url == "sqlite:///gateway.db"
    assert config.redis_url == "redis://localhost:6379/0"
    assert config.sms_backend == "outbox"
    assert config.twilio_api_base_url == "https://api.twilio.com"
    assert config.timezone == "Asia/Ho_Chi_Minh"
    assert config.tz.key == "Asia/Ho_Chi_Minh"
    assert config.sms_dialogue_minutes == 30
    assert config.log_level == "INFO"
    assert config.public_base_url == ""
    assert not config.demo


def test_values_are_read_trimmed_and_normalised():
    config = load(DATABASE_URL=" postgres://gw@db/gw ", SMS_BACKEND="OUTBOX",
                  LOG_LEVEL="debug", SMS_DIALOGUE_MINUTES="45",
                  PUBLIC_BASE_URL="https://gw.example.vn/", GATEWAY_TIMEZONE="UTC")
    assert config.database_url == "postgresql://gw@db/gw"  # hosts' spelling accepted
    assert config.sms_backend == "outbox"
    assert config.log_level == "DEBUG"
    assert config.sms_dialogue_minutes == 45
    assert config.public_base_url == "https://gw.example.vn"
    assert config.timezone == "UTC"


def test_blank_values_mean_the_default():
    config = load(REDIS_URL="  ", SMS_BACKEND="", SMS_DIALOGUE_MINUTES="")
    assert config.redis_url == "redis://localhost:6379/0"
    assert config.sms_backend == "outbox"
    assert config.sms_dialogue_minutes == 30


def test_demo_runs_without_a_secret():
    config = Config.from_env(environ={"REDIS_URL": "memory://"}, dotenv=False)
    assert config.demo
    assert config.secret_key == ""
    assert config.effective_secret == "demo-only-not-secret"


def test_a_configured_secret_is_used_in_demo_too():
    config = load(REDIS_URL="memory://")
    assert config.effective_secret == "s3cret"


def test_twilio_with_credentials_and_sender():
    assert load(**TWILIO).sms_backend == "twilio"
    messaging = {**TWILIO, "TWILIO_FROM": "", "TWILIO_MESSAGING_SERVICE_SID": "MG1"}
    assert Config.from_env(environ=messaging, dotenv=False).twilio_messaging_service_sid == "MG1"


@pytest.mark.parametrize(("env", "variable"), [
    ({**BASE, "SMS_BACKEND": "kannel"}, "SMS_BACKEND"),  # a provider not in the table
    ({**BASE, "SMS_BACKEND": "smpp"}, "SMPP_HOST"),       # in it, with its settings missing
    ({}, "SECRET_KEY"),
    ({"REDIS_URL": "redis://cache:6379/0"}, "SECRET_KEY"),
    ({"REDIS_URL": "memory://other"}, "REDIS_URL"),   # demo is exactly memory://
    ({**TWILIO, "TWILIO_ACCOUNT_SID": ""}, "TWILIO_ACCOUNT_SID"),
    ({**TWILIO, "TWILIO_AUTH_TOKEN": ""}, "TWILIO_AUTH_TOKEN"),
    ({**TWILIO, "TWILIO_FROM": ""}, "TWILIO_FROM"),
    ({**BASE, "GATEWAY_TIMEZONE": "Nowhere/City"}, "GATEWAY_TIMEZONE"),
    ({**BASE, "GATEWAY_TIMEZONE": "Asia"}, "GATEWAY_TIMEZONE"),  # a directory, not a zone
    ({**BASE, "GATEWAY_TIMEZONE": "../etc/passwd"}, "GATEWAY_TIMEZONE"),
    ({**BASE, "SMS_DIALOGUE_MINUTES": "thirty"}, "SMS_DIALOGUE_MINUTES"),
    ({**BASE, "SMS_DIALOGUE_MINUTES": "1.5"}, "SMS_DIALOGUE_MINUTES"),
    ({**BASE, "SMS_DIALOGUE_MINUTES": "-5"}, "SMS_DIALOGUE_MINUTES"),
    ({**BASE, "SMS_DIALOGUE_MINUTES": "0"}, "SMS_DIALOGUE_MINUTES"),
    ({**BASE, "USSD_SESSION_SECONDS": "x"}, "USSD_SESSION_SECONDS"),
    ({**BASE, "MAX_BODY_BYTES": "-1"}, "MAX_BODY_BYTES"),
    ({**BASE, "REDIS_URL": "http://localhost:6379"}, "REDIS_URL"),
    ({**BASE, "REDIS_URL": "localhost:6379"}, "REDIS_URL"),
    ({**BASE, "DATABASE_URL": "not a url"}, "DATABASE_URL"),
    ({**BASE, "TWILIO_API_BASE_URL": "localhost:8080"}, "TWILIO_API_BASE_URL"),
    ({**BASE, "PUBLIC_BASE_URL": "gw.example.vn"}, "PUBLIC_BASE_URL"),
    ({**BASE, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
])
def test_every_error_names_the_variable(env, variable):
    with pytest.raises(ConfigError, match=variable):
        Config.from_env(environ=env, dotenv=False)


def test_reads_the_dotenv_of_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(f"SECRET_KEY=from-dotenv\nGATEWAY_TIMEZONE=UTC\n"
                                   f"DATA_ENCRYPTION_KEY={DATA_KEY}\n")
    monkeypatch.chdir(tmp_path)
    # load_dotenv writes into os.environ: give it a bare one, so the host's settings
    # do not mask the file's and nothing leaks into other tests.
    monkeypatch.setattr(os, "environ", {"PATH": os.environ.get("PATH", "")})
    config = Config.from_env()
    assert (config.secret_key, config.timezone) == ("from-dotenv", "UTC")
    assert os.environ["SECRET_KEY"] == "from-dotenv"


def test_a_bad_redis_url_is_named_without_its_password():
    with pytest.raises(ConfigError) as error:
        Config.from_env(environ={**BASE, "REDIS_URL": "http://:hunter2@cache:6379/0"},
                        dotenv=False)
    assert "REDIS_URL" in str(error.value) and "'http://…'" in str(error.value)
    assert "hunter2" not in str(error.value)
