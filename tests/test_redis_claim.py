"""Test runs sharing one Redis server each claim a database number of their own."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from redis import Redis

from tests import redis_claim
from tests.conftest import REDIS_BASE_URL


@pytest.fixture
def claims():
    """Claims made by a test, given back after it."""
    made: list[redis_claim.Claim] = []
    yield made
    for held in made:
        held.release()


def test_two_runs_never_share_a_number_and_a_released_one_is_free_again(claims, redis_url):
    ours = int(redis_url.rsplit("/", 1)[1])  # this run's own claim holds it
    first = redis_claim.claim(REDIS_BASE_URL, ours, owner="host-a:1")
    second = redis_claim.claim(REDIS_BASE_URL, first.number, owner="host-b:2")
    claims += [first, second]
    assert len({ours, first.number, second.number}) == 3
    assert 13 not in (first.number, second.number)  # the benchmark's
    first.release()
    again = redis_claim.claim(REDIS_BASE_URL, first.number, owner="host-c:3")
    claims.append(again)
    assert again.number == first.number


def test_a_release_by_a_run_that_lost_its_claim_keeps_the_new_holder(claims):
    held = redis_claim.claim(REDIS_BASE_URL, 2, owner="host-a:1")
    claims.append(held)
    admin = Redis.from_url(f"{REDIS_BASE_URL}/0")
    admin.set(redis_claim.CLAIM_KEY.format(held.number), "host-b:2")
    held.release()
    assert admin.get(redis_claim.CLAIM_KEY.format(held.number)) == b"host-b:2"
    admin.delete(redis_claim.CLAIM_KEY.format(held.number))


def test_the_claim_of_a_run_that_died_on_this_host_is_taken_over(claims):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True).stdout.strip()
    dead = redis_claim.claim(REDIS_BASE_URL, 3, owner=f"{socket.gethostname()}:{ended}")
    alive = redis_claim.claim(REDIS_BASE_URL, 4, owner=f"{socket.gethostname()}:1")
    claims += [dead, alive]
    taken = redis_claim.claim(REDIS_BASE_URL, dead.number, owner="host-x:9")
    claims.append(taken)
    assert taken.number == dead.number
    blocked = redis_claim.claim(REDIS_BASE_URL, alive.number, owner="host-y:9")
    claims.append(blocked)
    assert blocked.number != alive.number  # pid 1 lives: its claim stands
