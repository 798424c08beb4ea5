"""The SMSC peer of the SMPP tests: starts tests/smsc/simulator.js (node-smpp as a real
SMPP 3.4 server) and steers it through its loopback JSON control port.

    from tests.smsc_peer import smsc_fixture  # noqa: F401  (the `smsc` fixture)

    def test_something(smsc):
        client.connect(smsc.host, smsc.port) ... bind with smsc.system_id / smsc.password
        smsc.inject_mo("KB", source_addr="84912345678")
        smsc.submitted()            # every accepted submit_sm, decoded
        smsc.throttle_every(5); smsc.drop(); smsc.restart()

A test module gets the fixture by importing it (pytest finds fixtures in the module's
namespace); tests/conftest.py does not register this module, so only the SMPP tests pay
for Node. `SmscPeer` can also be used directly (bench, a shell) as a context manager.

`restart()` kills the process and starts a new one on the same SMPP port (the SMSC killed
and back); the submits seen before are kept in `history` so `submitted(all_runs=True)`
can prove that no message went out twice across the restart.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SIMULATOR_DIR = Path(__file__).parent / "smsc"
SYSTEM_ID = "gateway"
PASSWORD = "secret12"  # SMPP 3.4 passwords are at most 8 characters
START_TIMEOUT = 15.0
CONTROL_TIMEOUT = 10.0

# command_status values the tests name (SMPP 3.4, section 5.1.3).
ESME_ROK = 0x00
ESME_RINVBNDSTS = 0x04
ESME_RSYSERR = 0x08
ESME_RINVPASWD = 0x0E
ESME_RINVSYSID = 0x0F
ESME_RMSGQFUL = 0x14
ESME_RTHROTTLED = 0x58


class SmscPeerError(RuntimeError):
    """The simulator could not start or refused a control request."""


def node_binary() -> str:
    """The Node.js interpreter; scripts/test installs it (Debian nodejs) when absent."""
    found = shutil.which("node") or shutil.which("nodejs")
    if found is None:
        raise SmscPeerError("node is not installed: run scripts/test (it installs nodejs)")
    if not (SIMULATOR_DIR / "node_modules" / "smpp").is_dir():
        raise SmscPeerError("tests/smsc/node_modules is missing: run scripts/test "
                            "(it runs npm ci --prefix tests/smsc)")
    return found


class SmscPeer:
    """One simulator process and the Python side of its control API."""

    def __init__(self, system_id: str = SYSTEM_ID, password: str = PASSWORD,
                 log_path: Path | None = None) -> None:
        self.host = "127.0.0.1"
        self.system_id = system_id
        self.password = password
        self.port = 0  # the SMPP port, chosen by the simulator at the first start
        self.control_port = 0
        self.history: list[dict[str, Any]] = []  # submits seen by earlier runs
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    # --- process ---------------------------------------------------------------------

    def start(self) -> SmscPeer:
        """Start the simulator (on the SMPP port of the previous run, if any) and wait
        for the JSON line that says which ports it listens on."""
        stderr = open(self._log_path, "ab") if self._log_path else subprocess.DEVNULL  # noqa: SIM115
        self._process = subprocess.Popen(
            [node_binary(), str(SIMULATOR_DIR / "simulator.js"),
             "--system-id", self.system_id, "--password", self.password,
             "--smpp-port", str(self.port), "--host", self.host],
            stdout=subprocess.PIPE, stderr=stderr, cwd=SIMULATOR_DIR)
        if stderr is not subprocess.DEVNULL:
            stderr.close()
        line = self._first_line()
        ports = json.loads(line)
        self.port, self.control_port = ports["smpp_port"], ports["control_port"]
        return self

    def _first_line(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        os.set_blocking(self._process.stdout.fileno(), False)
        buffer = b""
        while time.monotonic() < deadline:
            chunk = self._process.stdout.read()
            if chunk:
                buffer += chunk
                if b"\n" in buffer:
                    return buffer.split(b"\n", 1)[0].decode()
            if self._process.poll() is not None:
                raise SmscPeerError(f"simulator exited with {self._process.returncode}")
            time.sleep(0.02)
        self.stop()
        raise SmscPeerError("simulator did not report its ports in time")

    def stop(self) -> None:
        """Kill the simulator (SIGKILL: an SMSC that dies, not one that says goodbye)."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=10)
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._process = None

    def restart(self, down_for: float = 0.0) -> None:
        """Kill the simulator and start a new one on the same SMPP port after `down_for`
        seconds; what it had accepted is kept in `history`."""
        if self.running:
            # Frozen first: a submit answered between reading the list and the kill
            # would be accepted for the gateway, yet missing from `history`.
            self._call("POST", "/freeze")
            self.history.extend(self.submitted(accepted_only=False))
        self.stop()
        time.sleep(down_for)
        self.start()

    @property
    def running(self) -> bool:
        """True while the simulator process is alive."""
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> SmscPeer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- control API -----------------------------------------------------------------

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body or {}).encode() if method == "POST" else None
        request = urllib.request.Request(
            f"http://{self.host}:{self.control_port}{path}", data=data, method=method,
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=CONTROL_TIMEOUT) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, OSError) as error:
            raise SmscPeerError(f"{method} {path}: {error}") from error

    def state(self) -> dict[str, Any]:
        """Sessions, bind events, counters and settings."""
        return self._call("GET", "/state")

    def counters(self) -> dict[str, int]:
        """binds, bind_refused, submits, submits_accepted, throttled, delivers_sent,
        deliver_resps, enquire_links, max_unanswered, connection_errors, …"""
        return self.state()["counters"]

    def events(self) -> list[dict[str, Any]]:
        """bind / bind_refused / unbind / close events, in order."""
        return self.state()["events"]

    def submitted(self, *, accepted_only: bool = True, all_runs: bool = False,
                  since: int = 0) -> list[dict[str, Any]]:
        """Every submit_sm received (by default only those answered ESME_ROK), decoded:
        source/destination address and TON/NPI, data_coding, esm_class, udh_hex,
        short_message_hex, text, concat {ref, total, index}, registered_delivery,
        sequence_number, command_status, message_id. `all_runs` adds earlier runs;
        `since` skips this run's first submits (a poller reads only what is new)."""
        current = self._call("GET", f"/submitted?since={since}" if since else "/submitted")
        pdus = (self.history + current) if all_runs else current
        if accepted_only:
            return [p for p in pdus if p["command_status"] == ESME_ROK]
        return pdus

    def deliveries(self) -> list[dict[str, Any]]:
        """Every deliver_sm sent (kind mo/receipt) with the ESME's command_status
        (None while unanswered)."""
        return self._call("GET", "/deliveries")

    def reset(self) -> None:
        """Forget what was seen and go back to answering every submit at once."""
        self._call("POST", "/reset")
        self.history.clear()

    def set_credentials(self, system_id: str, password: str) -> None:
        """Accept only these credentials from now on (existing binds stay)."""
        self._call("POST", "/credentials", {"system_id": system_id, "password": password})

    def throttle_every(self, n: int, status: int = ESME_RTHROTTLED) -> None:
        """Answer every nth submit_sm with `status` (0: stop throttling)."""
        self._call("POST", "/throttle", {"every": n, "status": status})

    def reject_next(self, count: int = 1, status: int = ESME_RSYSERR) -> None:
        """Answer the next `count` submit_sm with an error status."""
        self._call("POST", "/reject", {"count": count, "status": status})

    def submit_mode(self, *, delay: float = 0.0, answer: bool = True) -> None:
        """Answer submits after `delay` seconds, or never (`answer=False`)."""
        self._call("POST", "/submit_mode", {"delay_ms": int(delay * 1000), "answer": answer})

    def auto_receipts(self, stat: str | None = "DELIVRD", delay: float = 0.0) -> None:
        """Send a receipt with this stat for every accepted submit asking for one."""
        self._call("POST", "/auto_receipts", {"stat": stat, "delay_ms": int(delay * 1000)})

    def send_receipt(self, message_id: str, stat: str = "DELIVRD", *, err: str | None = None,
                     with_tlvs: bool = True, with_text: bool = True,
                     text_id: str | None = None) -> dict[str, Any]:
        """Send a delivery receipt (esm_class 0x04, receipted_message_id and message_state
        TLVs, "id:… stat:…" text) for a message id; queued until a receiver binds."""
        body: dict[str, Any] = {"message_id": message_id, "stat": stat,
                                "with_tlvs": with_tlvs, "with_text": with_text}
        if err is not None:
            body["err"] = err
        if text_id is not None:
            body["text_id"] = text_id
        return self._call("POST", "/receipt", body)

    def inject_mo(self, text: str | None = None, *, source_addr: str = "84912345678",
                  destination_addr: str = "8088", encoding: str = "gsm7",
                  concat: str | None = None, parts: list[str] | None = None,
                  ref: int | None = None, order: list[int] | None = None,
                  **fields: Any) -> dict[str, Any]:
        """Send an MO deliver_sm: `encoding` gsm7 / latin1 / ucs2; `concat` None, udh8,
        udh16 or sar (the text is cut to fit, or give the pieces as `parts`); `order`
        sends the parts in another order ([2, 1]); other PDU fields (hex, data_coding,
        esm_class, source_addr_ton…) pass through."""
        body: dict[str, Any] = {"source_addr": source_addr, "destination_addr": destination_addr,
                                "encoding": encoding, "concat": concat, **fields}
        if text is not None:
            body["text"] = text
        if parts is not None:
            body["parts"] = parts
        if ref is not None:
            body["ref"] = ref
        if order is not None:
            body["order"] = order
        return self._call("POST", "/mo", body)

    def redeliver(self) -> int:
        """Send again every deliver_sm the ESME has not answered (what an SMSC does)."""
        return self._call("POST", "/redeliver")["redelivered"]

    def drop(self) -> int:
        """Cut every connection at once (no unbind); the number cut."""
        return self._call("POST", "/drop")["dropped"]

    def garbage(self, kind: str = "junk", *, hex_bytes: str | None = None,
                then_close: bool = False) -> dict[str, Any]:
        """Write bytes that are no valid PDU to every connection: junk (a 4 GiB
        command_length), truncated (a header promising more than follows), short_length
        (command_length < 16), unknown_command (a PDU with an undefined command_id)."""
        body: dict[str, Any] = {"kind": kind, "then_close": then_close}
        if hex_bytes is not None:
            body["hex"] = hex_bytes
        return self._call("POST", "/garbage", body)

    def unbind(self) -> None:
        """The SMSC asks every session to unbind."""
        self._call("POST", "/unbind")

    def wait_for(self, predicate: Any, timeout: float = 10.0, interval: float = 0.02) -> Any:
        """Poll `predicate(self)` until it returns something true; that value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"the SMSC peer did not get there in {timeout} s")
            time.sleep(interval)


@pytest.fixture(name="smsc")
def smsc_fixture(tmp_path: Path) -> Iterator[SmscPeer]:
    """A running SMSC simulator bound to 127.0.0.1 on ephemeral ports, killed after the
    test; its stderr goes to smsc.log in the test's tmp_path."""
    peer = SmscPeer(log_path=tmp_path / "smsc.log")
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()
