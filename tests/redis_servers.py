"""Private Redis servers for fault tests and `scripts/chaos`: a primary, a replica and
three sentinels (or a lone server), each a real `redis-server` on a free loopback port
with its files in a temporary directory. Never the shared Redis on 6379.

    cluster = SentinelCluster(tmp_path).start()
    cluster.url                  # redis+sentinel://127.0.0.1:…,…/gwmaster/0
    cluster.kill_primary()       # SIGKILL; the sentinels promote the replica
    cluster.wait_for_failover()  # until they name the new master
    cluster.stop()               # every process, always (teardown)

A test that needs one server it may kill asks for the `own_redis` fixture (a module
imports `own_redis_fixture` to offer it): a lone server without persistence, so a
`kill()` and `start()` bring it back empty, as a crash of a Redis without AOF would.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import RedisError

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
SERVICE = "gwmaster"
# A failover in seconds, not the production default of 30 s + 3 min: a primary is
# judged down after 1 s without an answer, and a failed election retried after 4 s.
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 4000
START_SECONDS = 15


def free_port() -> int:
    """An unused loopback TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(RedisError, OSError):
            value = predicate()
            if value:
                return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


class RedisServer:
    """One `redis-server` (or sentinel) process on a fixed port, restartable on it."""

    def __init__(self, directory: Path, name: str, appendonly: bool = False,
                 replica_of: int | None = None, sentinel_of: int | None = None):
        self.directory = directory / name
        self.directory.mkdir(parents=True, exist_ok=True)
        self.name, self.port = name, free_port()
        self.appendonly, self.replica_of, self.sentinel_of = appendonly, replica_of, sentinel_of
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """redis://127.0.0.1:port (database 0)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> Redis:
        """A plain client of this one process (short timeouts: it may be dead)."""
        return Redis(port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def _write_config(self) -> Path:
        lines = [f"port {self.port}", "bind 127.0.0.1", "protected-mode no",
                 f'dir "{self.directory}"', f'logfile "{self.directory / "log"}"']
        if self.sentinel_of is not None:
            # A sentinel rewrites its own file (what it learnt): each has its own.
            lines += [f"sentinel monitor {SERVICE} 127.0.0.1 {self.sentinel_of} 2",
                      f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}",
                      f"sentinel failover-timeout {SERVICE} {FAILOVER_TIMEOUT_MS}",
                      f"sentinel parallel-syncs {SERVICE} 1"]
        else:
            lines += ['save ""', f"appendonly {'yes' if self.appendonly else 'no'}",
                      "appendfsync everysec"]
            if self.replica_of is not None:
                lines.append(f"replicaof 127.0.0.1 {self.replica_of}")
        path = self.directory / "redis.conf"
        if self.sentinel_of is None or not path.exists():
            path.write_text("\n".join(lines) + "\n")
        return path

    def start(self) -> RedisServer:
        """Start (or restart, on the same port and files) and wait until it answers."""
        args = [REDIS_SERVER, str(self._write_config())]
        if self.sentinel_of is not None:
            args.append("--sentinel")
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: self.client().ping(), START_SECONDS, f"{self.name} to answer")
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown save, no goodbye to clients or sentinels."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop (SIGTERM, then SIGKILL); idempotent."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class SentinelCluster:
    """A primary, a replica and three sentinels watching them."""

    def __init__(self, directory: Path, appendonly: bool = True):
        self.primary = RedisServer(directory, "primary", appendonly=appendonly)
        self.replica = RedisServer(directory, "replica", appendonly=appendonly,
                                   replica_of=self.primary.port)
        self.sentinels = [RedisServer(directory, f"sentinel{n}", sentinel_of=self.primary.port)
                          for n in range(3)]

    @property
    def url(self) -> str:
        """The gateway's REDIS_URL for this cluster."""
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{SERVICE}/0"

    def start(self) -> SentinelCluster:
        """Start everything; return once the replica is in sync and every sentinel
        knows it and its two peers (so a failover can be voted at once)."""
        try:
            self.primary.start()
            self.replica.start()
            for sentinel in self.sentinels:
                sentinel.start()
            _wait(lambda: self.replica.client().info("replication")["master_link_status"]
                  == "up", START_SECONDS, "the replica to sync")
            for sentinel in self.sentinels:
                _wait(lambda s=sentinel: self._ready(s.client()), START_SECONDS,
                      f"{sentinel.name} to see the replica and its peers")
        except BaseException:
            self.stop()
            raise
        return self

    @staticmethod
    def _ready(client: Redis) -> bool:
        master = client.sentinel_master(SERVICE)
        return master["num-slaves"] >= 1 and master["num-other-sentinels"] >= 2

    def master_port(self) -> int:
        """The port the sentinels currently name as master."""
        for sentinel in self.sentinels:
            with contextlib.suppress(RedisError):
                return int(sentinel.client().sentinel_get_master_addr_by_name(SERVICE)[1])
        raise RuntimeError("no sentinel answers")

    def current_primary(self) -> RedisServer:
        """The server that is master now."""
        port = self.master_port()
        return self.primary if self.primary.port == port else self.replica

    def kill_primary(self) -> RedisServer:
        """SIGKILL the current master; returns it (restart it later to rejoin as replica)."""
        victim = self.current_primary()
        victim.kill()
        return victim

    def wait_for_failover(self, old: RedisServer, timeout: float = 30) -> RedisServer:
        """Block until the sentinels name a master other than `old` and it accepts
        writes; returns the new master."""
        _wait(lambda: self.master_port() != old.port, timeout, "the sentinels' failover")
        new = self.current_primary()
        _wait(lambda: new.client().set("failover:probe", "1"), timeout, "the new master")
        return new

    def stop(self) -> None:
        """Stop every process (sentinels first, so they do not fail over meanwhile)."""
        for server in [*self.sentinels, self.replica, self.primary]:
            server.stop()


@pytest.fixture(name="own_redis")
def own_redis_fixture(tmp_path: Path) -> Iterator[RedisServer]:
    """`own_redis`: a running Redis server of this test's own, without persistence;
    stopped in teardown whatever happened."""
    server = RedisServer(tmp_path, "own").start()
    yield server
    server.stop()
