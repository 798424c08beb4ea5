"""The demo as a new user meets it: console logins for every role printed in the banner
(demo only), the `gateway` commands working in the demo's shell without a SECRET_KEY
(production still needs one), and a second demo on a taken port saying so before any
banner."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from gateway import runtime as runtimes
from gateway.demo import seed
from gateway.store.db import transaction
from tests.hotline.conftest import Console

BIN = Path(sys.executable).parent
SETTINGS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SMS_BACKEND", "PORT")


def demo_shell(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a shell where `scripts/run` runs: none of the settings."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    return {**env, "HOME": str(tmp_path), **extra}


def run(tmp_path: Path, *args: str, env: dict[str, str] | None = None,
        stdin: str | None = None) -> subprocess.CompletedProcess:
    """A `gateway` command in `tmp_path` (where the demo keeps gateway.db)."""
    return subprocess.run([str(BIN / "gateway"), *args], cwd=tmp_path, input=stdin,
                          env=env or demo_shell(tmp_path), capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("login", seed.LOGINS, ids=lambda login: login.role)
def test_each_demo_login_signs_in_to_the_console(demo_app, login):
    with transaction(runtimes.of(demo_app).sessions) as session:
        seeded = seed.seed(session)
    assert login in seeded.logins
    console = Console(demo_app.test_client())
    response = console.login(login.username, login.password)
    assert response.status_code == 302
    assert "/hotline/login" not in response.headers["Location"]


def test_commands_run_in_the_demo_shell_without_a_secret_key(tmp_path):
    upgraded = run(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert (tmp_path / "gateway.db").exists()
    created = run(tmp_path, "user", "create", "lan", "--role", "operator", "--password-stdin",
                  stdin="a-long-password\n")
    assert created.returncode == 0, created.stderr
    assert "created user lan" in created.stdout
    assert "SECRET_KEY is required" not in created.stderr
    assert "using the demo's embedded set-up" in created.stderr
    outbox = run(tmp_path, "outbox")
    assert outbox.returncode == 0, outbox.stderr
    assert "the outbox is empty" in outbox.stdout


def test_production_still_requires_a_secret_key(tmp_path, pg_url):
    env = demo_shell(tmp_path, DATABASE_URL=pg_url)
    refused = run(tmp_path, "outbox", env=env)
    assert refused.returncode != 0
    assert "SECRET_KEY is required" in refused.stderr
    # The worker never runs on the demo's in-process Redis, even in the demo's shell.
    worker = run(tmp_path, "worker", "--burst")
    assert worker.returncode != 0 and "SECRET_KEY is required" in worker.stderr


def test_a_taken_port_is_said_before_the_banner(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(tmp_path, "demo", env=demo_shell(tmp_path, PORT=str(port)))
    assert result.returncode != 0
    assert f"port {port} on 127.0.0.1 is taken" in result.stderr
    assert f"PORT={port + 1} scripts/run" in result.stderr
    assert "Gateway demo on" not in result.stdout
    assert "Traceback" not in result.stderr


def test_the_banner_names_the_console_and_its_logins(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    demo = subprocess.Popen([str(BIN / "gateway"), "demo", "--port", str(port)], cwd=tmp_path,
                            env=demo_shell(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        lines = [demo.stdout.readline() for _ in range(4 + len(seed.LOGINS))]
    finally:
        demo.terminate()
        demo.wait(timeout=10)
    banner = "".join(lines)
    assert f"Hotline console: http://127.0.0.1:{port}/hotline/" in banner
    for login in seed.LOGINS:
        assert f"{login.username:<9} password {login.password}" in banner
