"""Where an SMS that a test waited for went: for a failing test to say, so that a
message lost to something outside the test (another process working the same Redis
database) can be told from one the gateway never handed over."""

from __future__ import annotations

import psutil
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import select

from gateway.runtime import QUEUES, Runtime
from gateway.sms import jobs
from gateway.store.models import OutboundMessage


def trace(runtime: Runtime, phone: str) -> str:
    """Each outbox row to `phone` with its job (who ran it, how it ended), what waits
    in the queues, and every other connection on this Redis database with its process."""
    with runtime.sessions() as session:
        rows = session.execute(select(
            OutboundMessage.id, OutboundMessage.kind, OutboundMessage.status,
            OutboundMessage.attempts).where(OutboundMessage.phone == phone)).all()
    lines = [f"row {tuple(row)}: {_job(runtime, row.id)}" for row in rows] or ["no outbox row"]
    lines.append("(queued, scheduled) " + str({
        name: (len(q), q.scheduled_job_registry.count)
        for name in QUEUES for q in [runtime.queue(name)]}))
    lines += [f"client {client}" for client in _clients(runtime)]
    return "; ".join(lines)


def _job(runtime: Runtime, message_id: int) -> str:
    job_id = jobs.job_of(runtime.redis, message_id)
    if job_id is None:
        return "never handed over (no job)"
    try:
        job = Job.fetch(job_id, connection=runtime.redis)
    except NoSuchJobError:
        return f"job {job_id} gone"
    error = (job.exc_info or "").strip().splitlines()[-1:]
    return f"job {job_id} {job.get_status()} by {job.worker_name!r} {error}"


def _clients(runtime: Runtime) -> list[str]:
    """The other connections on this database: command, and the local process's
    command line (found by the connection's port)."""
    db = runtime.redis.connection_pool.connection_kwargs.get("db", 0)
    me = runtime.redis.client_id()
    others = [c for c in runtime.redis.client_list()
              if int(c.get("db", -1)) == db and int(c["id"]) != me]
    by_port = {}
    for connection in psutil.net_connections("tcp"):
        if connection.laddr and connection.pid:
            by_port[connection.laddr.port] = connection.pid
    found = []
    for client in others:
        pid = by_port.get(int(client["addr"].rsplit(":", 1)[1]))
        try:
            command = " ".join(psutil.Process(pid).cmdline()[:4]) if pid else "?"
        except psutil.Error:
            command = "?"
        found.append(f"{client['cmd']} pid {pid} {command}")
    return found
