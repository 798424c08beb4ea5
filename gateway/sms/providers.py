"""The provider table: every SMS provider the gateway can use, by the name SMS_BACKEND
gives it. The one place a provider is named: the configuration's check of SMS_BACKEND,
the workers' backend, the app's inbound routes and the `gateway` command's processes
all come from here.

Adding a provider is one module in gateway/sms/ that defines `PROVIDER`
(gateway.sms.backends.Provider: its Backend, its settings check, its inbound routes)
plus one line in `TABLE` below.
"""

from __future__ import annotations

import click
from flask import Blueprint

from gateway.config import Config, register_provider
from gateway.runtime import Runtime
from gateway.sms import esms, log_only, twilio
from gateway.sms.backends import Backend, Provider
from gateway.sms.smpp import provider as smpp

TABLE: tuple[Provider, ...] = (
    log_only.PROVIDER,     # outbox: development and the demo, nothing leaves the machine
    twilio.PROVIDER,
    esms.PROVIDER,         # eSMS.vn, a Vietnamese HTTP aggregator
    smpp.PROVIDER,         # a carrier or aggregator over SMPP 3.4 (`gateway smpp`)
)
PROVIDERS: dict[str, Provider] = {provider.name: provider for provider in TABLE}

for _provider in TABLE:
    register_provider(_provider.name, _provider.check)

_backend: tuple[Config, Backend] | None = None  # this process's (`backend`)


def backend_for(config: Config) -> Backend:
    """The outbound backend SMS_BACKEND names (validated by Config against this table)."""
    return PROVIDERS[config.sms_backend].backend(config)


def backend(runtime: Runtime) -> Backend:
    """This process's backend, built once per configuration (a test process may
    switch between configurations; a worker keeps one)."""
    global _backend
    if _backend is None or _backend[0] is not runtime.config:
        _backend = (runtime.config, backend_for(runtime.config))
    return _backend[1]


def blueprints() -> tuple[Blueprint, ...]:
    """Every provider's inbound routes, for the app factory to mount."""
    return tuple(p.routes for p in TABLE if p.routes is not None)


def commands() -> tuple[click.Command, ...]:
    """The commands providers add to `gateway` (e.g. a process holding a bind)."""
    return tuple(command for p in TABLE for command in p.commands)
