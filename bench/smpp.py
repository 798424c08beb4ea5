"""The SMPP part of the benchmark: the stack of bench/stack.py with SMS_BACKEND=smpp, a
`gateway smpp` process bound to the real SMSC peer of the tests (tests/smsc, node-smpp)
on loopback, window SMPP_WINDOW (10).

- MO → reply: phones text `HD` through the peer (deliver_sm); a turn is done when its
  reply reaches the peer as a submit_sm. Beside it, the same turn as a signed Twilio
  webhook to the same stack (reply in the TwiML), at the same concurrency: the ratio is
  SMPP turns/s over webhook turns/s.
- MT: a bulk run queued in the outbox as a reminder run does (`deliver_many` chunks);
  the rate at which the peer accepts them, and the `smpp` process's RSS sampled through
  the run (first, last, max).

    python -m bench.smpp [--quick] [--mt 100000]     (or `scripts/bench`, part `smpp`)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import psutil
from twilio.request_validator import RequestValidator

from bench.stack import BIN, Stack
from gateway import runtime as runtimes
from gateway.config import Config
from gateway.sms import jobs
from gateway.sms.smpp import bridge, submits, wire
from gateway.store import messages
from gateway.store.db import transaction
from tests.smsc_peer import SmscPeer
from tests.twilio_standin import AUTH_TOKEN

SHORT_CODE = "8088"
RSS_EVERY = 0.5          # seconds between two samples of the smpp process's memory
MO_PHONES = 16           # turns in flight at once, over SMPP and over the webhook
BATCH = 5000             # MT queued per transaction (a reminder run queues in batches)
BARE_MT = 20_000         # submits of the bare-bind baseline, before and after


def smpp_stack(peer: SmscPeer, web: int, workers: int, **stack_options) -> Stack:
    """A stack whose provider is the SMSC peer (the `smpp` process started apart)."""
    return Stack(web_processes=web, workers=workers, overrides={
        "SMS_BACKEND": "smpp", "SMPP_HOST": peer.host, "SMPP_PORT": str(peer.port),
        "SMPP_SYSTEM_ID": peer.system_id, "SMPP_PASSWORD": peer.password,
        "SMPP_SOURCE_ADDR": SHORT_CODE, "SMPP_WINDOW": "10"}, **stack_options)


def start_link(stack: Stack) -> psutil.Process:
    """Start `gateway smpp` in the stack and wait for its bind."""
    stack.processes["smpp"] = subprocess.Popen([str(BIN / "gateway"), "smpp"],
                                               env=stack.env(), stderr=stack._log("smpp"))
    redis = runtimes.build(stack.config()).redis
    deadline = time.monotonic() + 30
    while not bridge.any_bound(redis):
        if time.monotonic() > deadline:
            raise RuntimeError("gateway smpp did not bind")
        time.sleep(0.1)
    return psutil.Process(stack.processes["smpp"].pid)


# --- MO -> reply ------------------------------------------------------------------------

def _phone(n: int, run: str) -> str:
    return f"8497{run}{n:06d}"


def mo_turns(peer: SmscPeer, turns: int, run: str, timeout: float) -> dict[str, float]:
    """`turns` MO `HD` from as many phones, MO_PHONES at once (each injects, then waits
    for its reply at the peer); turns/s from the first injection to the last reply."""
    replied: set[str] = set()
    lock = threading.Condition()
    stop = threading.Event()

    def watch() -> None:  # one reader of the peer's submits for every phone
        seen = 0
        while not stop.is_set():
            pdus = peer.submitted(accepted_only=False, since=seen)
            with lock:
                for pdu in pdus:
                    replied.add(pdu["destination_addr"])
                seen += len(pdus)
                lock.notify_all()
            time.sleep(0.01)

    def turn(n: int) -> float:
        phone = _phone(n, run)
        begun = time.perf_counter()
        peer.inject_mo("HD", source_addr=phone, destination_addr=SHORT_CODE)
        with lock:
            if not lock.wait_for(lambda: phone in replied, timeout=timeout):
                raise TimeoutError(f"no reply to MO {n}")
        return time.perf_counter() - begun

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(MO_PHONES) as pool:
            latencies = sorted(pool.map(turn, range(turns)))
    finally:
        stop.set()
        watcher.join()
    seconds = time.perf_counter() - started
    return {"turns": turns, "seconds": round(seconds, 2),
            "turns_per_second": round(turns / seconds, 1),
            "p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
            "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99) - 1], 1)}


async def webhook_turns(stack: Stack, turns: int, run: str) -> dict[str, float]:
    """The same `HD` turns as signed Twilio webhooks, MO_PHONES at once."""
    url = f"{stack.base_url}/sms/twilio"
    validator = RequestValidator(AUTH_TOKEN)
    latencies: list[float] = []
    numbers = iter(range(turns))

    async def phone(http: aiohttp.ClientSession) -> None:
        for n in numbers:
            form = {"From": "+" + _phone(n, run), "To": SHORT_CODE, "Body": "HD",
                    "MessageSid": "SM" + uuid.uuid4().hex}
            headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
            begun = time.perf_counter()
            async with http.post(url, data=form, headers=headers) as response:
                body = await response.text()
                if response.status != 200 or "<Message>" not in body:
                    raise RuntimeError(f"webhook turn: HTTP {response.status}")
            latencies.append(time.perf_counter() - begun)

    connector = aiohttp.TCPConnector(limit=MO_PHONES)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        await asyncio.gather(*(phone(http) for _ in range(MO_PHONES)))
        seconds = time.perf_counter() - started
    latencies.sort()
    return {"turns": turns, "seconds": round(seconds, 2),
            "turns_per_second": round(turns / seconds, 1),
            "p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
            "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99) - 1], 1)}


# --- MT -----------------------------------------------------------------------------------

def bare_bind(peer: SmscPeer, count: int, window: int = 10) -> dict[str, float]:
    """The baseline of MT: the same bind driven by nothing but an SMPP client in this
    process (smpplib, the link's wire.Client), window `window`, no outbox, RQ or Redis:
    what the peer and the loopback allow on this machine now."""
    config = Config(smpp_host=peer.host, smpp_port=peer.port, smpp_system_id=peer.system_id,
                    smpp_password=peer.password, smpp_source_addr=SHORT_CODE)
    client = wire.open_session(config, "transceiver")
    fields = submits.submit_fields(config, 1, "+84330000000", "Nhac nho bao cao suc khoe")[0]
    before = peer.counters()["submits_accepted"]
    started = time.perf_counter()
    sent = answered = 0
    try:
        while answered < count:
            with client.corked():
                while sent < count and sent - answered < window:
                    client.send_message(**fields)
                    sent += 1
            pdu = client.read_pdu()
            if pdu is not None and pdu.command == "submit_sm_resp":
                answered += 1
        seconds = time.perf_counter() - started
    finally:
        client.close()
    return {"messages": count, "accepted": peer.counters()["submits_accepted"] - before,
            "seconds": round(seconds, 2), "per_second": round(count / seconds, 1)}


def queue_run(stack: Stack, count: int) -> float:
    """Queue `count` reminders to distinct phones as a reminder run does; seconds taken."""
    runtime = runtimes.build(stack.config())
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        with transaction(runtime.sessions) as session:
            ids = messages.queue_many(session, [
                {"phone": f"+8491{n:07d}", "body": f"Nhac nho bao cao suc khoe {n}",
                 "kind": "reminder", "priority": "bulk", "dedup_key": f"bench-mt:{n}"}
                for n in range(start, min(count, start + BATCH))])
            if start == 0:
                messages.analyze(session)
        jobs.enqueue_many(runtime, ids, "bulk")
    runtime.engine.dispose()
    return time.perf_counter() - started


def mt_run(stack: Stack, peer: SmscPeer, link: psutil.Process, count: int,
           timeout: float) -> dict[str, object]:
    """Queue `count` MT; the peer's acceptance rate and the link's RSS while they go out."""
    before = peer.counters()["submits_accepted"]
    node = psutil.Process(peer._process.pid)  # the SMSC's own CPU, beside the gateway's
    cpu_before = {**stack.cpu_seconds(), "smsc peer": sum(node.cpu_times()[:2])}
    rss: list[int] = [link.memory_info().rss]
    queue_seconds = queue_run(stack, count)
    started = time.perf_counter()
    first_at = None
    accepted = 0
    while accepted < count:
        time.sleep(RSS_EVERY)
        rss.append(link.memory_info().rss)
        accepted = peer.counters()["submits_accepted"] - before
        if first_at is None and accepted:
            first_at = time.perf_counter()
        if time.perf_counter() - started > timeout:
            break
    # Sampled every RSS_EVERY seconds: a small run accepted whole within one sample would
    # otherwise measure ~0 s and a rate of millions a second. One sample is the floor.
    seconds = max(time.perf_counter() - (first_at or started), RSS_EVERY)
    cpu_after = {**stack.cpu_seconds(), "smsc peer": sum(node.cpu_times()[:2])}
    mib = [round(value / 2**20, 1) for value in rss]
    return {"messages": count, "accepted": accepted,
            "queue_seconds": round(queue_seconds, 1), "send_seconds": round(seconds, 1),
            "per_second": round(accepted / seconds, 1) if seconds else 0.0,
            "smpp_rss_mib": {"first": mib[0], "last": mib[-1], "max": max(mib),
                             "samples": len(mib)},
            "cpu_seconds": {name: round(cpu_after[name] - cpu_before.get(name, 0.0), 1)
                            for name in cpu_after}}


def measure(*, mo: int, mt: int, web: int = 2, workers: int = 1, timeout: float = 900,
            **stack_options) -> dict[str, object]:
    """Every SMPP figure, against one stack and one peer."""
    with SmscPeer() as peer:
        stack = smpp_stack(peer, web, workers, **stack_options).up()
        try:
            link = start_link(stack)
            mo_turns(peer, min(mo, 20), "0", timeout=60)  # warm up: imports, pools
            webhook = asyncio.run(webhook_turns(stack, mo, "1"))
            over_smpp = mo_turns(peer, mo, "2", timeout=60)
            webhook_after = asyncio.run(webhook_turns(stack, mo, "3"))
            baseline = (webhook["turns_per_second"] + webhook_after["turns_per_second"]) / 2
            bare = bare_bind(peer, min(mt, BARE_MT))
            sent = mt_run(stack, peer, link, mt, timeout)
            bare_after = bare_bind(peer, min(mt, BARE_MT))
            bare_rate = (bare["per_second"] + bare_after["per_second"]) / 2
            submitted = peer.submitted()
            texts = [p["text"] for p in submitted if p["destination_addr"].startswith("8491")]
            return {
                "config": f"gunicorn {stack.web_worker_class} workers: {web}, "
                          f"RQ workers: {workers}, "
                          f"1 smpp process (transceiver, window 10), MO phones at once: "
                          f"{MO_PHONES}",
                "mo_webhook_before": webhook, "mo_smpp": over_smpp,
                "mo_webhook_after": webhook_after,
                "mo_ratio_to_webhook": round(over_smpp["turns_per_second"] / baseline, 2),
                "mt_bare_bind_before": bare, "mt": sent, "mt_bare_bind_after": bare_after,
                "mt_ratio_to_bare_bind": round(sent["per_second"] / bare_rate, 2),
                "mt_cpu_ms_per_message": _cpu_per_message(sent),
                "mt_sent_twice": len(texts) - len(set(texts)),
                "mt_lost": mt - len(set(texts)),
            }
        finally:
            stack.down()


def _cpu_per_message(sent: dict) -> dict[str, float]:
    """CPU milliseconds per MT: the gateway's processes (the RQ workers, the smpp link,
    PostgreSQL, Redis) and the SMSC peer's."""
    cpu = sent["cpu_seconds"]
    gateway = sum(v for k, v in cpu.items() if k.startswith("worker") or k in (
        "smpp", "postgres", "redis"))
    accepted = max(sent["accepted"], 1)
    return {"gateway": round(1000 * gateway / accepted, 2),
            "smpp process": round(1000 * cpu.get("smpp", 0.0) / accepted, 2),
            "smsc peer": round(1000 * cpu.get("smsc peer", 0.0) / accepted, 2)}


def passed(results: dict) -> bool:
    """Every MT went out exactly once."""
    return results["mt_sent_twice"] == 0 and results["mt_lost"] == 0


def main() -> None:
    """Run the SMPP part alone and print its figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--mo", type=int, default=500, help="MO turns per run")
    parser.add_argument("--mt", type=int, default=100_000, help="MT in the bulk run")
    parser.add_argument("--workers", type=int, default=1, help="RQ worker processes")
    args = parser.parse_args()
    if args.quick:
        args.mo, args.mt = 40, 500
    results = measure(mo=args.mo, mt=args.mt, workers=args.workers)
    print(json.dumps(results, indent=2))
    if not passed(results):
        raise SystemExit("FAILED: an MT was lost or sent twice")


if __name__ == "__main__":
    main()
