"""The stack's kernel-time figure reads what it says: the system CPU time of the web
process and every process under it (gunicorn's workers), not user time, not the root
alone. A real process tree stands in for gunicorn: a root that starts a worker, which
spends kernel time reading /dev/zero when told to and otherwise sleeps, so the figures
hold still while they are compared."""

from __future__ import annotations

import select
import subprocess
import sys
from collections.abc import Iterator

import psutil
import pytest

from bench.stack import Stack

READY_SECONDS = 30  # for a Python process to start and do its work
# The worker: user time (a Python loop), then kernel time (copying zeros in: the kernel
# clears the pages), then "ready"; another round for each line on its stdin.
WORKER = """
import os, sys
buffer = bytearray(1 << 20)
def work():
    sum(range(2_000_000))
    with open("/dev/zero", "rb", buffering=0) as zero:
        for _ in range(1024):
            zero.readinto(buffer)
    print("ready", os.getpid(), flush=True)
work()
for _ in sys.stdin:
    work()
"""
# The root, like gunicorn's master: starts the worker (sharing its pipes) and waits.
ROOT = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {WORKER!r}])"


def _ready(web: subprocess.Popen) -> int:
    """Wait for the worker's "ready" line; its pid."""
    readable, _, _ = select.select([web.stdout], [], [], READY_SECONDS)
    assert readable, "the worker did not finish its work"
    word, pid = web.stdout.readline().split()
    assert word == b"ready"
    return int(pid)


def _system(pids: list[int]) -> float:
    return sum(psutil.Process(pid).cpu_times().system for pid in pids)


@pytest.fixture
def web() -> Iterator[subprocess.Popen]:
    process = subprocess.Popen([sys.executable, "-c", ROOT], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE)
    yield process
    _end(process)


def _end(process: subprocess.Popen) -> None:
    """Kill the root and its worker (which stopping the root alone would orphan)."""
    if process.poll() is None:
        for child in psutil.Process(process.pid).children(recursive=True):
            child.kill()
        process.kill()
    process.wait(timeout=10)


def test_web_kernel_seconds_is_the_system_time_of_the_web_process_tree(web):
    stack = Stack(processes={"web": web})
    worker = _ready(web)
    assert psutil.Process(worker).ppid() == web.pid
    tree = [web.pid, worker]

    # Read between two readings of the tree's system time (the tree is asleep).
    before = _system(tree)
    kernel = stack.web_kernel_seconds()
    after = _system(tree)
    assert before <= kernel <= after
    # The worker's kernel time counts, not only the root's.
    assert kernel > _system([web.pid])
    # Only the kernel's share: the tree's user time is left out.
    assert 0 < kernel < stack.cpu_seconds()["web"]

    # More kernel work by the worker: the figure grows with it.
    web.stdin.write(b"again\n")
    web.stdin.flush()
    assert _ready(web) == worker
    grown = _system(tree)
    assert grown > after
    assert stack.web_kernel_seconds() >= grown


def test_a_web_process_that_is_gone_reads_zero(web):
    stack = Stack(processes={"web": web})
    _ready(web)
    _end(web)
    assert stack.web_kernel_seconds() == 0.0
