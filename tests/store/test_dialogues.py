"""Live dialogue state in Redis: TTL, deletion when empty, the per-phone lock."""

import threading
import time

from gateway.store import dialogues


def test_saved_dialogue_round_trips_with_its_idle_ttl(redis):
    key = dialogues.dialogue_key("sms", "+84912345678")
    dialogues.save(redis, key, {"state": {"flow": "x"}}, ttl_seconds=1800)
    assert dialogues.load(redis, key) == {"state": {"flow": "x"}}
    assert 1790 < redis.ttl(key) <= 1800


def test_empty_dialogue_is_deleted(redis):
    key = dialogues.dialogue_key("ussd", "session-1")
    dialogues.save(redis, key, {"seen": 1}, ttl_seconds=60)
    dialogues.save(redis, key, {}, ttl_seconds=60)
    assert redis.exists(key) == 0
    assert dialogues.load(redis, key) == {}


def test_remembered_replies_expire(redis):
    dialogues.remember_reply(redis, "twilio", "SM1", {"texts": ["hi"], "end": True})
    assert dialogues.seen_reply(redis, "twilio", "SM1") == {"texts": ["hi"], "end": True}
    assert dialogues.seen_reply(redis, "twilio", "SM2") is None
    assert 0 < redis.ttl("seen:twilio:SM1") <= dialogues.SEEN_SECONDS


def test_phone_lock_serialises_holders(redis):
    order: list[str] = []
    first = dialogues.phone_lock(redis, "+84912345678")
    assert first.acquire()

    def second_holder():
        lock = dialogues.phone_lock(redis, "+84912345678")
        assert lock.acquire()
        order.append("second")
        lock.release()

    thread = threading.Thread(target=second_holder)
    thread.start()
    time.sleep(0.1)
    order.append("first")
    first.release()
    thread.join(timeout=5)
    assert order == ["first", "second"]


def test_locks_of_different_phones_do_not_block_each_other(redis):
    a = dialogues.phone_lock(redis, "+84912345678")
    b = dialogues.phone_lock(redis, "+84987654321")
    assert a.acquire() and b.acquire(blocking=False)
    a.release()
    b.release()
