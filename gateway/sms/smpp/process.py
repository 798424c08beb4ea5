"""`gateway smpp`: the long-lived SMPP process (Procfile `smpp`), one bind or two; the
provider table adds it to the `gateway` command."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading

import click
from flask.cli import with_appcontext

from gateway import runtime
from gateway.sms.smpp import status
from gateway.sms.smpp.inbound import Deliveries
from gateway.sms.smpp.link import Link

log = logging.getLogger(__name__)


@click.command()
@with_appcontext
def smpp() -> None:
    """Bind to the SMSC (SMPP_HOST…) and carry MT, MO and receipts until SIGTERM,
    which unbinds and exits 0. Needs SMS_BACKEND=smpp."""
    rt = runtime.current()
    if rt.config.sms_backend != "smpp":
        raise click.ClickException("gateway smpp needs SMS_BACKEND=smpp")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stats = status.Stats(process=f"{socket.gethostname()}:{os.getpid()}",
                         bind=rt.config.smpp_bind)
    log.info("SMPP process starting", extra={"smpp_process": stats.process,
                                              "mode": rt.config.smpp_bind})
    Link(rt.config, rt.redis, Deliveries(rt, stats), stats).run(stop)
    status.withdraw(rt.redis, stats.process)
    log.info("SMPP process stopped", extra={"smpp_process": stats.process})
