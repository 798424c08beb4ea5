"""SMS_BACKEND=smpp settings: defaults, required values with one clear error naming the
variable, and the TON/NPI derived from SMPP_SOURCE_ADDR."""

from __future__ import annotations

import pytest

from gateway.config import Config, ConfigError
from gateway.sms.smpp.submits import source_ton_npi, submit_fields
from tests.conftest import DATA_KEY

SMPP = {"DATA_ENCRYPTION_KEY": DATA_KEY,
        "SECRET_KEY": "s" * 32, "SMS_BACKEND": "smpp", "SMPP_HOST": "smsc.example.vn",
        "SMPP_SYSTEM_ID": "gateway", "SMPP_PASSWORD": "secret12", "SMPP_SOURCE_ADDR": "8088"}


def read(**env: str) -> Config:
    """The configuration of SMPP plus `env`."""
    return Config.from_env(environ={**SMPP, **env}, dotenv=False)


def test_defaults():
    config = read()
    assert (config.smpp_port, config.smpp_system_type, config.smpp_bind, config.smpp_window,
            config.smpp_enquire_link_seconds) == (2775, "", "transceiver", 10, 30)
    assert (config.smpp_source_ton, config.smpp_source_npi) == (None, None)


@pytest.mark.parametrize(("env", "variable"), [
    ({"SMPP_HOST": ""}, "SMPP_HOST"),
    ({"SMPP_SYSTEM_ID": ""}, "SMPP_SYSTEM_ID"),
    ({"SMPP_PASSWORD": ""}, "SMPP_PASSWORD"),
    ({"SMPP_SOURCE_ADDR": ""}, "SMPP_SOURCE_ADDR"),
    ({"SMPP_PORT": "x"}, "SMPP_PORT"),
    ({"SMPP_PORT": "70000"}, "SMPP_PORT"),
    ({"SMPP_BIND": "receiver"}, "SMPP_BIND"),
    ({"SMPP_WINDOW": "0"}, "SMPP_WINDOW"),
    ({"SMPP_ENQUIRE_LINK_SECONDS": "-5"}, "SMPP_ENQUIRE_LINK_SECONDS"),
    ({"SMPP_SOURCE_TON": "300"}, "SMPP_SOURCE_TON"),
    ({"SMPP_SOURCE_NPI": "x"}, "SMPP_SOURCE_NPI"),
    ({"SMPP_PASSWORD": "toolongpassword"}, "SMPP_PASSWORD"),
])
def test_every_error_names_the_variable(env, variable):
    with pytest.raises(ConfigError, match=variable):
        read(**env)


def test_other_backends_need_no_smpp_settings():
    config = Config.from_env(environ={"DATA_ENCRYPTION_KEY": DATA_KEY,
                                      "SECRET_KEY": "s" * 32}, dotenv=False)
    assert config.sms_backend == "outbox" and config.smpp_host == ""


@pytest.mark.parametrize(("source", "env", "ton_npi"), [
    ("IT-antiNCOV", {}, (5, 0)),            # a brandname: alphanumeric
    ("8088", {}, (3, 0)),                   # a short code: network specific
    ("84912345678", {}, (1, 1)),            # a full number: international, ISDN
    ("8088", {"SMPP_SOURCE_TON": "0", "SMPP_SOURCE_NPI": "1"}, (0, 1)),  # as the carrier says
])
def test_the_source_ton_npi(source, env, ton_npi):
    assert source_ton_npi(read(SMPP_SOURCE_ADDR=source, **env)) == ton_npi


def test_a_submit_goes_to_the_international_number_and_asks_for_a_receipt():
    [fields] = submit_fields(read(), 7, "+84912345678", "Ma xac thuc: 123456")
    assert (fields["destination_addr"], fields["dest_addr_ton"], fields["dest_addr_npi"]) == (
        "84912345678", 1, 1)
    assert fields["registered_delivery"] == 1 and fields["data_coding"] == 0
