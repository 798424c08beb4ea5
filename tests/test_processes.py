"""The real processes of the Procfile and the CLI: gunicorn serving the app, the RQ
cron scheduler, the embedded demo, and the command-line tools."""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from flask.cli import ScriptInfo
from rq import Queue
from werkzeug.serving import make_server

from gateway import create_app
from gateway import runtime as runtimes
from gateway.cli.main import gateway
from gateway.config import Config
from gateway.store import messages, schema
from gateway.store.db import transaction
from tests.logscan import capture

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30


def free_port() -> int:
    """An unused TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = START_TIMEOUT) -> requests.Response:
    """Poll `url` until it answers (any status), or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return requests.get(url, timeout=2)
        except requests.RequestException:  # not listening yet, or its workers still import
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def env_for(config: Config, **extra: str) -> dict[str, str]:
    """Environment variables that give a child process this configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SMS_"))}
    env.update(DATABASE_URL=config.database_url, REDIS_URL=config.redis_url,
               SECRET_KEY=config.secret_key or "", USSD_BASIC_AUTH=config.ussd_basic_auth,
               DATA_ENCRYPTION_KEY=config.data_encryption_key,
               USSD_ALLOWED_NETWORKS=",".join(map(str, config.ussd_allowed_networks)), **extra)
    return env


@pytest.fixture
def stop_later():
    """Processes to terminate at the end of the test."""
    processes: list[subprocess.Popen] = []
    yield processes.append
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_gunicorn_serves_sms_and_health(app, config, stop_later, tmp_path):
    port = free_port()
    stop_later(subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--no-control-socket", "gateway:create_app()"], env=env_for(config),
        stderr=(tmp_path / "web.log").open("w")))
    health = wait_for(f"http://127.0.0.1:{port}/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    reply = requests.post(f"http://127.0.0.1:{port}/sms/twilio", timeout=10, data={
        "From": "0912345678", "To": "+84240000", "Body": "EN", "MessageSid": "SMgunicorn1"})
    assert reply.status_code == 200
    assert "Replies are now in English" in reply.text
    capture("gunicorn", (tmp_path / "web.log").read_text())  # scanned with the run's logs


def test_cron_process_enqueues_the_outbox_sweep(app, config, stop_later):
    stop_later(subprocess.Popen([str(BIN / "gateway"), "cron"], env=env_for(config),
                                stderr=subprocess.DEVNULL))
    queue = Queue("default", connection=runtimes.of(app).redis)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and not queue.job_ids:
        time.sleep(0.2)
    assert queue.job_ids, "cron enqueued nothing"
    assert queue.jobs[0].func_name == "gateway.sms.sweeper.sweep"


def test_demo_runs_embedded_with_the_simulator(tmp_path, stop_later):
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SMS_BACKEND")}
    stop_later(subprocess.Popen([str(BIN / "gateway"), "demo", "--port", str(port)],
                                cwd=tmp_path, env=env, stderr=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL))
    assert wait_for(f"http://127.0.0.1:{port}/healthz").status_code == 200
    page = requests.get(f"http://127.0.0.1:{port}/simulator/", timeout=5)
    assert page.status_code == 200 and "Feature-phone simulator" in page.text
    reply = requests.post(f"http://127.0.0.1:{port}/simulator/sms", timeout=5,
                          json={"phone": "0912345678", "text": "hd"})
    assert reply.json()["reply"].startswith("KB: khai bao y te")
    assert (tmp_path / "gateway.db").exists()


def cli(config: Config, *args: str, input: str | None = None):
    """Run a `gateway` command in-process with `config`."""
    return CliRunner().invoke(gateway, list(args), input=input,
                              obj=ScriptInfo(create_app=lambda: create_app(config)))


def test_db_upgrade_creates_the_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = cli(Config(database_url=url, redis_url="memory://"), "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    from sqlalchemy import create_engine, inspect
    assert {"phones", "inbound_messages", "outbound_messages"} <= set(
        inspect(create_engine(url)).get_table_names())


def test_outbox_lists_messages_newest_first(app, config):
    with transaction(runtimes.of(app).sessions) as session:
        messages.queue_outbound(session, phone="+84912345678", body="first", kind="notice",
                                priority="high")
        messages.queue_outbound(session, phone="+84912345678", body="second", kind="otp",
                                priority="high")
    result = cli(config, "outbox", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["body"] for r in rows] == ["second", "first"]
    assert rows[0]["status"] == "queued" and rows[0]["kind"] == "otp"
    assert "the outbox is empty" not in cli(config, "outbox").output


def test_configuration_errors_are_reported_without_a_traceback(tmp_path):
    env = {"PATH": os.environ["PATH"], "SMS_BACKEND": "carrier-pigeon", "HOME": str(tmp_path)}
    result = subprocess.run([str(BIN / "gateway"), "outbox"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "SMS_BACKEND must be one of outbox, twilio" in result.stderr
    assert "Traceback" not in result.stderr


def test_sim_texts_a_running_gateway(served, config):
    result = CliRunner().invoke(gateway, ["sim", "--url", served, "--phone", "0912345678"],
                                input="EN\nHELP\n", obj=ScriptInfo(create_app=lambda: None))
    assert result.exit_code == 0, result.output
    assert "< Replies are now in English" in result.output
    assert "< KB: declare" in result.output


def test_sim_dials_ussd_until_the_session_ends(served):
    result = CliRunner().invoke(gateway, ["sim", "--url", served, "--ussd", "*1022#"],
                                input="5\n2\nignored\n", obj=ScriptInfo(create_app=lambda: None))
    assert result.exit_code == 0, result.output
    screens = [s for s in result.output.split("\n") if s.startswith(("CON", "END"))]
    assert screens[0].startswith("CON Khai bao y te")
    assert screens[-1] == "END Replies are now in English. Send HELP for help."


def test_sim_reports_an_unreachable_gateway():
    result = CliRunner().invoke(gateway, ["sim", "--url", f"http://127.0.0.1:{free_port()}"],
                                input="HD\n", obj=ScriptInfo(create_app=lambda: None))
    assert result.exit_code != 0
    assert "cannot reach" in result.output


def test_schema_upgrade_is_idempotent(pg_url):
    schema.upgrade(pg_url)  # already at head: nothing to do, nothing fails


def test_flows_prints_every_flow_as_a_table():
    result = CliRunner().invoke(gateway, ["flows", "--language", "en"],
                                obj=ScriptInfo(create_app=lambda: None))
    assert result.exit_code == 0, result.output
    assert "menu" in result.output and "language" in result.output
    assert "Choose" in result.output or "Language" in result.output
    unknown = CliRunner().invoke(gateway, ["flows", "nope"],
                                 obj=ScriptInfo(create_app=lambda: None))
    assert unknown.exit_code != 0 and "no flow 'nope'" in unknown.output


def test_the_web_refuses_to_start_without_ussd_authentication(app, config, tmp_path):
    env = {k: v for k, v in env_for(config).items() if not k.startswith("USSD_")}
    env["HOME"] = str(tmp_path)
    web = subprocess.run(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{free_port()}", "--no-control-socket",
         "gateway:create_app()"], env=env, cwd=tmp_path, capture_output=True, text=True,
        timeout=60)
    assert web.returncode != 0
    assert "USSD_BASIC_AUTH or USSD_ALLOWED_NETWORKS is required" in web.stderr
    # The other processes serve no HTTP: they start without it.
    worker = subprocess.run([str(BIN / "gateway"), "worker", "--burst"], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert worker.returncode == 0, worker.stderr


def test_the_procfile_web_has_no_shared_control_socket(app, config, tmp_path, stop_later):
    # gunicorn >= 25.1 opens a control socket, by default one per user ($HOME/.gunicorn)
    # that every gunicorn of the host's user would share.
    [line] = [x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:")]
    command = line.removeprefix("web:").strip().replace("0.0.0.0", "127.0.0.1")
    ports = [free_port(), free_port()]
    for port in ports:
        env = env_for(config, PORT=str(port), WEB_CONCURRENCY="1", HOME=str(tmp_path),
                      PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
        stop_later(subprocess.Popen(["sh", "-c", f"exec {command}"], env=env, cwd=tmp_path,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for port in ports:  # both run side by side
        assert wait_for(f"http://127.0.0.1:{port}/healthz").status_code == 200
    assert [p for p in tmp_path.rglob("*") if p.is_socket() or p.suffix == ".ctl"] == []


def test_sim_dials_a_gateway_that_asks_for_credentials(config):
    app = create_app(dataclasses.replace(config, ussd_basic_auth="at:s3cret",
                                         ussd_allowed_networks=()))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host = f"127.0.0.1:{server.server_port}"
        good = CliRunner().invoke(gateway, ["sim", "--url", f"http://at:s3cret@{host}",
                                            "--ussd", "*1022#"], input="5\n2\n",
                                  obj=ScriptInfo(create_app=lambda: None))
        assert good.exit_code == 0, good.output
        assert "END Replies are now in English" in good.output
        bad = CliRunner().invoke(gateway, ["sim", "--url", f"http://at:wrong@{host}",
                                           "--ussd", "*1022#"], input="5\n",
                                 obj=ScriptInfo(create_app=lambda: None))
        assert bad.exit_code != 0 and "answered 403" in bad.output
        assert "wrong" not in bad.output  # the password is never printed
    finally:
        server.shutdown()
        runtimes.of(app).engine.dispose()


def test_the_procfile_access_log_has_no_query_strings(app, config, stop_later, tmp_path):
    from tests.api.conftest import make_token
    command = next(line.split(":", 1)[1] for line in
                   (Path(__file__).parent.parent / "Procfile").read_text().splitlines()
                   if line.startswith("web:"))
    port = free_port()
    output = (tmp_path / "web.log").open("w+")
    stop_later(subprocess.Popen(  # exec: terminating the shell must stop gunicorn too
        ["sh", "-c", f"exec {command}"], stdout=output, stderr=subprocess.STDOUT,
        env=env_for(config, PORT=str(port), WEB_CONCURRENCY="1",
                    PATH=f"{BIN}:{os.environ['PATH']}")))
    wait_for(f"http://127.0.0.1:{port}/healthz")
    # A client still sending the old phone filter: refused (it moved into a POST body),
    # and its query string, with the phone, is not logged either.
    answer = requests.get(f"http://127.0.0.1:{port}/api/v1/declarations?phone=0912345678",
                          headers={"Authorization": f"Bearer {make_token(app, 'log')}",
                                   "X-Request-Id": "req-42"}, timeout=10)
    assert answer.status_code == 400
    deadline = time.monotonic() + START_TIMEOUT
    while "/api/v1/declarations" not in (tmp_path / "web.log").read_text() \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    logged = (tmp_path / "web.log").read_text()
    capture("gunicorn (Procfile web)", logged)
    line = next(line for line in logged.splitlines() if "/api/v1/declarations" in line)
    assert '"GET /api/v1/declarations HTTP/1.1" 400' in line and "req-42" in line
    assert "phone" not in logged and "0912345678" not in logged


def test_the_procfile_web_keeps_connections_alive(app, config, tmp_path, stop_later):
    """gthread workers (issue 18): a proxy or provider reusing its connection skips a
    TCP connect and accept per webhook; sync workers closed every connection."""
    [line] = [x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:")]
    command = line.removeprefix("web:").strip().replace("0.0.0.0", "127.0.0.1")
    port = free_port()
    env = env_for(config, PORT=str(port), WEB_CONCURRENCY="1", HOME=str(tmp_path),
                  PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    stop_later(subprocess.Popen(["sh", "-c", f"exec {command}"], env=env, cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    assert wait_for(f"http://127.0.0.1:{port}/healthz").status_code == 200
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/healthz")
        first = connection.getresponse()
        first.read()
        socket_used = connection.sock
        connection.request("GET", "/healthz")
        second = connection.getresponse()
        second.read()
        assert (first.status, second.status) == (200, 200)
        assert first.getheader("Connection", "").lower() != "close"
        assert connection.sock is socket_used  # the same connection served both
    finally:
        connection.close()
