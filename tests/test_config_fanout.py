"""The OTP fan-out caps' settings: defaults, and errors naming the variable."""

import pytest

from gateway.config import Config, ConfigError
from tests.conftest import DATA_KEY

BASE = {"DATA_ENCRYPTION_KEY": DATA_KEY, "SECRET_KEY": "s3cret"}


def test_defaults_and_values():
    config = Config.from_env(environ=BASE, dotenv=False)
    assert (config.otp_fanout_per_hour, config.otp_fanout_per_day,
            config.otp_fanout_per_session, config.otp_operator_per_hour) == (5, 10, 3, 60)
    config = Config.from_env(environ={**BASE, "OTP_FANOUT_PER_HOUR": "2", "OTP_FANOUT_PER_DAY":
                                      "4", "OTP_FANOUT_PER_SESSION": "1",
                                      "OTP_OPERATOR_PER_HOUR": "30"}, dotenv=False)
    assert (config.otp_fanout_per_hour, config.otp_fanout_per_day,
            config.otp_fanout_per_session, config.otp_operator_per_hour) == (2, 4, 1, 30)


@pytest.mark.parametrize(("env", "variable"), [
    ({"OTP_FANOUT_PER_HOUR": "five"}, "OTP_FANOUT_PER_HOUR"),
    ({"OTP_FANOUT_PER_HOUR": "0"}, "OTP_FANOUT_PER_HOUR"),
    ({"OTP_FANOUT_PER_DAY": "-1"}, "OTP_FANOUT_PER_DAY"),
    ({"OTP_FANOUT_PER_SESSION": "1.5"}, "OTP_FANOUT_PER_SESSION"),
    ({"OTP_OPERATOR_PER_HOUR": "many"}, "OTP_OPERATOR_PER_HOUR"),
    ({"OTP_FANOUT_PER_HOUR": "20", "OTP_FANOUT_PER_DAY": "10"}, "OTP_FANOUT_PER_DAY"),
])
def test_every_error_names_the_variable(env, variable):
    with pytest.raises(ConfigError, match=variable) as raised:
        Config.from_env(environ={**BASE, **env}, dotenv=False)
    assert "\n" not in str(raised.value)
