"""The hand-over between workers and `smpp` processes, on real Redis: urgent requests
(OTPs, replies) are taken before a bulk batch queued earlier, a batch's outcomes come
back on one key, and a request nobody took is withdrawn; bulk tokens per batch."""

from __future__ import annotations

import time

from gateway.sms import throttle
from gateway.sms.smpp import bridge


def request(n: int, urgent: bool, reply_to: str = "") -> bridge.Request:
    return bridge.Request(f"r{n}", n, "+84912345678", f"text {n}", time.time() + 8,
                          urgent=urgent, reply_to=reply_to)


def test_urgent_requests_are_taken_before_a_bulk_batch_queued_earlier(redis):
    bulk = [request(n, urgent=False, reply_to="batch") for n in range(5)]
    bridge.push_batch(redis, bulk)
    bridge.push(redis, request(99, urgent=True))
    assert [r.message_id for r in bridge.take(redis, 3)] == [99, 0, 1]
    assert [r.message_id for r in bridge.take(redis, 10)] == [2, 3, 4]
    assert bridge.take(redis, 10) == []


def test_a_batchs_outcomes_come_back_on_one_key_and_an_untaken_request_is_withdrawn(redis):
    batch = [request(n, urgent=False, reply_to="batch-1") for n in range(3)]
    bridge.push_batch(redis, batch)
    taken = bridge.take(redis, 2)
    bridge.answer_all(redis, [(taken[0], bridge.Outcome(bridge.OK, ["smsc-0"])),
                              (taken[1], bridge.Outcome(bridge.REFUSED, command_status=11))])
    outcomes = bridge.wait_batch(redis, batch, timeout=0.5)
    assert {k: (v.status, v.ids, v.command_status) for k, v in outcomes.items()} == {
        "r0": ("ok", ["smsc-0"], None), "r1": ("refused", [], 11)}
    assert bridge.withdraw(redis, batch[2])       # never taken: surely not sent
    assert not bridge.withdraw(redis, batch[0])   # taken: cannot be withdrawn
    assert bridge.sent_id(redis, 0) == "smsc-0" and bridge.message_of(redis, "smsc-0") == 0


def test_bulk_tokens_are_taken_per_batch_and_the_reserve_is_kept(redis):
    rate = 10.0
    capacity, reserve = throttle.shape(rate)  # 12 tokens, 2 kept for OTPs and replies
    taken, wait = throttle.take_many(redis, "S", rate, True, 50)
    assert (taken, wait) == (capacity - reserve, 0.0)
    taken, wait = throttle.take_many(redis, "S", rate, True, 50)
    assert taken == 0 and wait > 0
    assert throttle.take(redis, "S", rate, bulk=False) == 0.0  # the reserve
    assert throttle.take_many(redis, "other", rate, False, 5) == (5, 0.0)
