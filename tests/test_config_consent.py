"""The consent settings: CONSENT_MODE, CONSENT_LEGAL_BASIS and CONSENT_NOTICE_VERSION
are read, checked, and a bad value is one line naming the variable."""

import pytest

from gateway.config import Config, ConfigError
from tests.conftest import DATA_KEY
from tests.test_processes import BIN, env_for
from tests.test_startup import refused

BASE = {"SECRET_KEY": "s3cret", "DATA_ENCRYPTION_KEY": DATA_KEY}


def load(**env: str) -> Config:
    return Config.from_env(environ={**BASE, **env}, dotenv=False)


def test_asking_is_the_default():
    config = load()
    assert (config.consent_mode, config.consent_legal_basis, config.consent_notice_version) == (
        "ask", "", "")


def test_a_legal_basis_deployment():
    config = load(CONSENT_MODE="Legal_Basis", CONSENT_LEGAL_BASIS=" ART19_1C ",
                  CONSENT_NOTICE_VERSION="moh-2026.1")
    assert (config.consent_mode, config.consent_legal_basis, config.consent_notice_version) == (
        "legal_basis", "art19_1c", "moh-2026.1")


@pytest.mark.parametrize(("env", "says"), [
    ({"CONSENT_MODE": "implied"}, "CONSENT_MODE must be ask or legal_basis, not 'implied'"),
    ({"CONSENT_MODE": "legal_basis"}, "CONSENT_LEGAL_BASIS is required with "
                                      "CONSENT_MODE=legal_basis: one of art19_1a"),
    ({"CONSENT_MODE": "legal_basis", "CONSENT_LEGAL_BASIS": "because"},
     "not 'because'"),
    ({"CONSENT_LEGAL_BASIS": "art19_1a"}, "CONSENT_LEGAL_BASIS is only for "
                                          "CONSENT_MODE=legal_basis"),
    ({"CONSENT_NOTICE_VERSION": "v 1/2"}, "CONSENT_NOTICE_VERSION must be 1-40 letters"),
])
def test_every_error_names_the_variable(env, says):
    with pytest.raises(ConfigError, match="CONSENT_") as raised:
        load(**env)
    assert says in str(raised.value)


def test_a_missing_basis_stops_a_process_with_one_line(config, tmp_path):
    stderr = refused([str(BIN / "gateway"), "outbox"],
                     {**env_for(config), "CONSENT_MODE": "legal_basis", "HOME": str(tmp_path)},
                     tmp_path)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "CONSENT_LEGAL_BASIS is required" in lines[0], stderr
