"""A private PostgreSQL cluster for `scripts/chaos`: `initdb` in a temporary directory,
served on a free loopback port, so a fault run can stop and start it without touching
the shared server on 5432. As root the server runs as the `postgres` user (PostgreSQL
refuses to run as root)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.stack import free_port


def _bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(
        f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        raise RuntimeError(f"{name} not found: install PostgreSQL's server binaries")
    return found


class PostgresCluster:
    """`start` (initdb on first use), `stop` (a fast shutdown, as a restart does),
    `destroy` (stop and remove the files)."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="gwchaos-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")

    @property
    def admin_url(self) -> str:
        """A URL for creating and dropping databases (trust authentication, loopback)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if self._as_postgres else list(args)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       cwd=self.directory, timeout=120)

    def start(self) -> PostgresCluster:
        """Start the server (creating the cluster first if needed); return when it
        accepts connections."""
        if not self.data.exists():
            self._run(_bin("initdb"), "-D", str(self.data), "-U", "postgres",
                      "--auth=trust", "-E", "UTF8", "--no-sync")
        # No durability settings are weakened: the fault is a clean stop and start.
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                   f"-c unix_socket_directories={self.directory} -c max_connections=200")
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.directory / "log"), "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        """A fast shutdown: clients are disconnected, the data is kept."""
        if (self.data / "postmaster.pid").exists():
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        """Stop the server and delete its files."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
