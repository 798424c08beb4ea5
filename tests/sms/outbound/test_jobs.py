"""Jobs name their function by dotted path, and jobs already in Redis when the gateway
is upgraded name `gateway.sms.outbound.deliver` and `deliver_many`: every way of queuing
(gateway/sms/jobs.py) names exactly those, which resolve to the job functions, with the
description jobs have always had (the function's name: ids, never a text)."""

from __future__ import annotations

from rq.job import Job

from gateway.sms import jobs, outbound
from tests.sms.workers import queue_message, runtime_of


def test_every_way_of_queuing_names_the_job_functions_by_their_dotted_path(app):
    rt = runtime_of(app)
    now, later, handed, *bulk = [queue_message(app, enqueue=False) for _ in range(5)]
    jobs.enqueue(rt, now, "high")
    jobs.enqueue(rt, later, "high", delay=600)  # through RQ's scheduler
    jobs.hand_over(rt, [(handed, "default")])
    jobs.enqueue_many(rt, bulk, "bulk")
    queued = {message_id: Job.fetch(jobs.job_of(rt.redis, message_id), connection=rt.redis)
              for message_id in (now, later, handed, bulk[0])}
    assert {message_id: (job.func_name, job.description, job.func)
            for message_id, job in queued.items()} == {
        now: ("gateway.sms.outbound.deliver", "deliver", outbound.deliver),
        later: ("gateway.sms.outbound.deliver", "deliver", outbound.deliver),
        handed: ("gateway.sms.outbound.deliver", "deliver", outbound.deliver),
        bulk[0]: ("gateway.sms.outbound.deliver_many", "deliver_many",
                  outbound.deliver_many)}
    assert queued[bulk[0]].args == (bulk,)
