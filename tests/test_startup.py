"""A wrong DATABASE_URL (a scheme no engine has, a port nothing listens on, a database
that does not exist) or an unreachable REDIS_URL stops each process at start with one
line naming the variable and the problem, a non-zero exit and no traceback: `gateway
db upgrade`, `gateway demo`, the web under gunicorn, `gateway worker` and `cron`."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy.engine import make_url

from tests.test_processes import BIN, env_for, free_port


def refused(command: list[str], env: dict[str, str], cwd) -> str:
    """Run `command`, which must fail at start; its stderr."""
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.stderr


def database_urls(pg_url: str) -> dict[str, tuple[str, str]]:
    """Wrong DATABASE_URLs and what the message must say of each."""
    url = make_url(pg_url)
    port = free_port()
    return {
        "scheme": ("mysql://gw@127.0.0.1/gw", "DATABASE_URL must be postgresql://"),
        "port": (url.set(port=port).render_as_string(hide_password=False),
                 "DATABASE_URL: cannot use the database"),
        "database": (url.set(database="gw_no_such_db").render_as_string(hide_password=False),
                     'database "gw_no_such_db" does not exist'),
    }


GATEWAY = {"db upgrade": ["db", "upgrade"], "worker": ["worker", "--burst"],
           "outbox": ["outbox"]}


@pytest.mark.parametrize("command", sorted(GATEWAY))
@pytest.mark.parametrize("problem", ["scheme", "port", "database"])
def test_a_wrong_database_url_is_one_line(config, pg_url, tmp_path, command, problem):
    url, says = database_urls(pg_url)[problem]
    stderr = refused([str(BIN / "gateway"), *GATEWAY[command]],
                     {**env_for(config), "DATABASE_URL": url, "HOME": str(tmp_path)}, tmp_path)
    assert says in stderr
    assert [line for line in stderr.splitlines() if line.strip()] == [
        next(line for line in stderr.splitlines() if "DATABASE_URL" in line)]


@pytest.mark.parametrize("problem", ["scheme", "port", "database"])
def test_the_web_does_not_start_on_a_wrong_database_url(config, pg_url, tmp_path, problem):
    url, says = database_urls(pg_url)[problem]
    stderr = refused([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{free_port()}",
                      "--no-control-socket", "gateway:create_app()"],
                     {**env_for(config), "DATABASE_URL": url, "HOME": str(tmp_path)}, tmp_path)
    assert says in stderr


def test_the_demo_does_not_start_on_a_database_it_cannot_open(tmp_path):
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'gateway.db'}"
    stderr = refused([str(BIN / "gateway"), "demo", "--port", str(free_port())],
                     {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DATABASE_URL": url},
                     tmp_path)
    assert "DATABASE_URL: cannot use the database: unable to open database file" in stderr


@pytest.mark.parametrize("command", ["worker", "cron"])
def test_worker_and_cron_do_not_start_without_redis(config, tmp_path, command):
    env = {**env_for(config), "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
           "HOME": str(tmp_path)}
    stderr = refused([str(BIN / "gateway"), command], env, tmp_path)
    assert "REDIS_URL: cannot reach Redis" in stderr
    assert "Connection refused" in stderr
