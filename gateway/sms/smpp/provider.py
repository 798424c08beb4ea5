"""The SMPP provider's entry in the provider table (gateway/sms/providers.py): its
workers' backend, the check of its SMPP_* settings, and the `gateway smpp` process that
holds the bind (its MO and receipts arrive there, not over HTTP)."""

from __future__ import annotations

from gateway.config import Config, ConfigError
from gateway.sms.backends import Provider
from gateway.sms.smpp.backend import SmppBackend
from gateway.sms.smpp.process import smpp

BINDS = ("transceiver", "tx_rx")


def check_settings(config: Config) -> None:
    """Raise ConfigError naming the variable when an SMPP_* setting is missing or wrong."""
    missing = [name for name, value in (
        ("SMPP_HOST", config.smpp_host), ("SMPP_SYSTEM_ID", config.smpp_system_id),
        ("SMPP_PASSWORD", config.smpp_password), ("SMPP_SOURCE_ADDR", config.smpp_source_addr))
        if not value]
    if missing:
        raise ConfigError(f"SMS_BACKEND=smpp needs {', '.join(missing)}")
    if config.smpp_bind not in BINDS:
        raise ConfigError(f"SMPP_BIND must be one of {', '.join(BINDS)}, "
                          f"not {config.smpp_bind!r}")
    # SMPP 3.4 caps these C-octet strings (system_id 16, password 9, source_addr 21
    # octets, each with its NUL).
    for name, value, limit in (("SMPP_SYSTEM_ID", config.smpp_system_id, 15),
                               ("SMPP_PASSWORD", config.smpp_password, 8),
                               ("SMPP_SYSTEM_TYPE", config.smpp_system_type, 12),
                               ("SMPP_SOURCE_ADDR", config.smpp_source_addr, 20)):
        if len(value.encode()) > limit:
            raise ConfigError(f"{name} must be at most {limit} characters (SMPP 3.4)")
    if config.smpp_port > 65535:
        raise ConfigError(f"SMPP_PORT must be 1-65535, not {config.smpp_port}")


PROVIDER = Provider("smpp", backend=SmppBackend, check=check_settings, commands=(smpp,))
