"""OTP codes: issue and verify, limits, storage as a keyed hash, and races; every test
runs on real Redis and on fakeredis (the embedded demo's Redis)."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import fakeredis
import pytest

from gateway import otp

SECRET = "otp-test-secret"
PHONE = "+84987654321"
T0 = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """The test clock: `seconds` after T0."""
    return T0 + timedelta(seconds=seconds)


@pytest.fixture(params=["redis", "fakeredis"])
def store(request):
    """Real Redis (the conftest fixture, flushed) and an in-process fakeredis with Lua."""
    if request.param == "redis":
        return request.getfixturevalue("redis")
    return fakeredis.FakeRedis(server=fakeredis.FakeServer())


def issue(store, phone: str = PHONE, seconds: float = 0, **limits) -> otp.Issued | otp.Refused:
    return otp.issue(store, phone, SECRET, otp.Limits(**limits), now=at(seconds))


def verify(store, code: str, phone: str = PHONE, seconds: float = 0,
           **limits) -> otp.Verdict:
    return otp.verify(store, phone, code, SECRET, otp.Limits(**limits), now=at(seconds))


def other(code: str) -> str:
    """A different six-digit code."""
    return f"{(int(code) + 1) % 10 ** 6:06d}"


def race(count: int, task: Callable[[int], object]) -> list:
    """Run `task(i)` in `count` threads released together; their results in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        results[i] = task(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_issued_code_verifies(store):
    issued = issue(store)
    assert isinstance(issued, otp.Issued)
    assert len(issued.code) == 6 and issued.code.isdigit()
    assert issued.expires_at == at(300)
    assert 290 < store.ttl(f"otp:code:{PHONE}") <= 300  # Redis forgets it by itself too
    assert verify(store, issued.code, seconds=10) == otp.Verdict("ok")


def test_codes_keep_leading_zeros(store, monkeypatch):
    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: 42)
    issued = issue(store)
    assert issued.code == "000042"
    assert verify(store, "000042").result == "ok"


def test_code_is_single_use(store):
    code = issue(store).code
    assert verify(store, code).result == "ok"
    assert verify(store, code).result == "expired"


@pytest.mark.parametrize("typed", ["{a}{b}", " {a}{b}. ", "{a} {b}", "{a}.{b}", "{a}-{b}",
                                   "{a}, {b}", "{a}\t{b}\n"])
def test_spaces_and_dots_are_ignored(store, typed):
    code = issue(store).code
    assert verify(store, typed.format(a=code[:3], b=code[3:])).result == "ok"


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12a456", "１２３４５６", "١٢٣٤٥٦"])
def test_malformed_input_uses_no_try(store, typed):
    code = issue(store).code
    for _ in range(6):
        assert verify(store, typed) == otp.Verdict("malformed")
    assert verify(store, code).result == "ok"


def test_wrong_codes_count_down_and_the_fifth_locks(store):
    code = issue(store).code
    assert [verify(store, other(code)) for _ in range(5)] == [
        otp.Verdict("wrong", 4), otp.Verdict("wrong", 3), otp.Verdict("wrong", 2),
        otp.Verdict("wrong", 1), otp.Verdict("locked", 0)]
    assert verify(store, code) == otp.Verdict("locked", 0)
    assert verify(store, other(code)) == otp.Verdict("locked", 0)


def test_code_expires_after_five_minutes(store):
    code = issue(store).code
    assert verify(store, other(code), seconds=299).result == "wrong"
    assert verify(store, code, seconds=300).result == "expired"
    assert verify(store, code, seconds=299.999).result == "ok"


def test_never_issued_is_expired(store):
    assert verify(store, "123456") == otp.Verdict("expired")


def test_new_code_replaces_the_old_one(store, monkeypatch):
    codes = iter([111111, 222222])
    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: next(codes))
    assert issue(store).code == "111111"
    assert verify(store, other("111111")).result == "wrong"
    assert issue(store, seconds=60).code == "222222"
    assert verify(store, "111111", seconds=61) == otp.Verdict("wrong", 4)  # tries reset too
    assert verify(store, "222222", seconds=62).result == "ok"


def test_fourth_code_in_fifteen_minutes_is_refused(store):
    codes = [issue(store, seconds=s).code for s in (0, 100, 200)]
    refused = issue(store, seconds=300)
    assert refused == otp.Refused("too_many_recent", 600)
    assert verify(store, codes[-1], seconds=301).result == "ok"  # refusal kept the live code
    assert issue(store, seconds=899.9) == otp.Refused("too_many_recent", 1)
    assert isinstance(issue(store, seconds=900), otp.Issued)
    assert issue(store, seconds=901) == otp.Refused("too_many_recent", 99)


def test_refusals_do_not_count(store):
    for s in (0, 1, 2):
        issue(store, seconds=s)
    for s in range(3, 50):
        assert isinstance(issue(store, seconds=s), otp.Refused)
    assert isinstance(issue(store, seconds=900), otp.Issued)


def test_eleventh_code_in_a_day_is_refused(store):
    for n in range(10):
        assert isinstance(issue(store, seconds=n * 1000), otp.Issued)
    assert issue(store, seconds=10_000) == otp.Refused("too_many_today", 86_400 - 10_000)
    assert isinstance(issue(store, seconds=86_400), otp.Issued)  # the first left the 24 h
    assert issue(store, seconds=86_401).reason == "too_many_today"


def test_the_longer_wait_is_reported(store):
    for s in (0, 1, 2, 3, 4, 5, 6, 86_000, 86_001, 86_002):
        issue(store, seconds=s, per_window=10)
    assert issue(store, seconds=86_003) == otp.Refused("too_many_recent", 897)


def test_global_ceiling(store):
    phones = [f"+8491234{n:04d}" for n in range(4)]
    assert all(isinstance(issue(store, p, seconds=60, global_per_minute=3), otp.Issued)
               for p in phones[:3])
    assert issue(store, phones[3], seconds=75, global_per_minute=3) == otp.Refused("busy", 45)
    assert isinstance(issue(store, phones[3], seconds=120, global_per_minute=3), otp.Issued)


def test_redis_never_holds_the_plain_code(store, monkeypatch):
    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: 739_182)
    assert "739182" not in repr(issue(store))
    verify(store, "000000")
    dump = b""
    for key in store.scan_iter():
        kind = store.type(key)
        dump += key
        if kind == b"string":
            dump += store.get(key)
        elif kind == b"hash":
            dump += b"".join(k + v for k, v in store.hgetall(key).items())
        elif kind == b"zset":
            dump += b"".join(m + str(s).encode() for m, s in store.zrange(key, 0, -1,
                                                                         withscores=True))
        else:
            pytest.fail(f"unexpected key {key!r} of type {kind!r}")
        assert store.ttl(key) > 0, key
    assert b"739182" not in dump
    keyed = hmac.new(SECRET.encode(), f"otp:{PHONE}:739182".encode(), hashlib.sha256)
    assert keyed.hexdigest().encode() in dump
    assert hashlib.sha256(b"739182").hexdigest().encode() not in dump


def test_code_only_verifies_under_its_secret_and_phone(store):
    code = issue(store).code
    assert otp.verify(store, PHONE, code, "another-secret", now=at(1)).result == "wrong"
    assert verify(store, code, phone="+84987654322").result == "expired"
    assert verify(store, code).result == "ok"


def between_read_and_settle(monkeypatch, action: Callable[[], object]) -> list:
    """Make the next verification run `action` after it has read the live code and
    compared it, before it records the outcome: the worst moment for a race."""
    compare, results = otp.hmac.compare_digest, []

    def compare_then_act(a, b):
        if not results:
            results.append(None)  # the action's own verifications compare plainly
            results[0] = action()
        return compare(a, b)

    monkeypatch.setattr(otp.hmac, "compare_digest", compare_then_act)
    return results


def test_code_used_by_a_racer_is_not_used_twice(store, monkeypatch):
    code = issue(store).code
    racer = between_read_and_settle(monkeypatch, lambda: verify(store, code).result)
    assert verify(store, code).result == "expired"
    assert racer == ["ok"]


def test_right_code_settled_after_the_fifth_wrong_try_is_refused(store, monkeypatch):
    code = issue(store).code
    racers = between_read_and_settle(
        monkeypatch, lambda: [verify(store, other(code)).result for _ in range(5)])
    assert verify(store, code) == otp.Verdict("locked", 0)
    assert racers == [["wrong"] * 4 + ["locked"]]


def test_code_replaced_between_read_and_settle_is_checked_against_the_new_one(
        store, monkeypatch):
    codes = iter([111111, 222222])
    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: next(codes))
    issue(store)
    between_read_and_settle(monkeypatch, lambda: issue(store, seconds=1))
    assert verify(store, "111111", seconds=2) == otp.Verdict("wrong", 4)
    assert verify(store, "222222", seconds=3).result == "ok"


def test_concurrent_verifications_succeed_once(store):
    code = issue(store).code
    results = race(20, lambda i: verify(store, code).result)
    assert Counter(results) == {"ok": 1, "expired": 19}


def test_concurrent_wrong_tries_are_all_counted(store):
    code = issue(store, max_tries=100).code
    verdicts = race(40, lambda i: verify(store, other(code), max_tries=100))
    assert sorted(v.tries_left for v in verdicts) == list(range(60, 100))
    assert verify(store, other(code), max_tries=100) == otp.Verdict("wrong", 59)


def test_concurrent_guessing_gets_no_more_than_five_answers(store):
    code = issue(store).code
    guesses = [code] + [f"{(int(code) + n) % 10 ** 6:06d}" for n in range(1, 30)]
    results = Counter(race(30, lambda i: verify(store, guesses[i]).result))
    assert results["ok"] <= 1
    assert results["wrong"] <= 4
    assert results["ok"] + results["wrong"] + min(results["locked"], 1) <= 5
    assert sum(results.values()) == 30


def test_concurrent_issues_respect_the_phone_window(store):
    outcomes = race(10, lambda i: issue(store))
    issued = [o.code for o in outcomes if isinstance(o, otp.Issued)]
    assert len(issued) == 3
    assert {o.reason for o in outcomes if isinstance(o, otp.Refused)} == {"too_many_recent"}
    assert [verify(store, c).result for c in issued].count("ok") == 1  # one live code


def test_concurrent_issues_respect_the_global_ceiling(store):
    outcomes = race(20, lambda i: issue(store, f"+8491200{i:04d}", global_per_minute=7))
    assert Counter(type(o).__name__ for o in outcomes) == {"Issued": 7, "Refused": 13}


def test_works_with_a_client_that_decodes_responses():
    store = fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)
    code = issue(store).code
    assert verify(store, other(code)) == otp.Verdict("wrong", 4)
    assert verify(store, code).result == "ok"
    issue(store, seconds=1), issue(store, seconds=2)
    assert issue(store, seconds=3) == otp.Refused("too_many_recent", 897)


@pytest.mark.parametrize("call", [
    lambda r: otp.issue(r, "0987654321", SECRET),
    lambda r: otp.issue(r, PHONE, ""),
    lambda r: otp.issue(r, PHONE, SECRET, now=datetime(2025, 7, 1, 8, 0)),
    lambda r: otp.verify(r, "+84 98 765 4321", "123456", SECRET),
    lambda r: otp.Limits(max_tries=0),
    lambda r: otp.Limits(global_per_minute=-1),
], ids=["local-phone", "empty-secret", "naive-now", "spaced-phone", "zero-tries",
        "negative-ceiling"])
def test_programming_errors_raise(store, call):
    with pytest.raises(ValueError):
        call(store)
    assert list(store.scan_iter()) == []
