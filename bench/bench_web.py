"""Live results on phones under load: 500 web clients and 20 scoreboards on loopback during a 100-car race.

The server runs as ``laptiming run --web --rmonitor`` runs it (``feeds_beside``: the web server and
the RMonitor feed following the database), in its own process. The race is handed to a live
session one passing at a time, at a steady 10 a second (a 100-car field at a lap a minute sends
under 2; ``BENCH_WEB_PACE_S`` changes it); each commit is timed by a subscriber of the live
session. 500 server-sent event streams are read in two other processes (httpx, asyncio), noting when
each car's new lap count arrives; 20 RMonitor readers note each ``$J``. Printed beside the
targets: p99 from commit to client (under 250 ms), the journal's commit p99 with and without the
clients (unchanged within noise), and the server process's CPU. On a 2-core machine the 500
clients need most of a core themselves: their lag is part of the figure.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bench.bench_feed import Scoreboards, prepare, record_keys, to_client_ms
from bench.bench_live import percentile, race
from bench.drive import one_by_one
from hardware.events import Passing
from laptiming.engine import SessionEvent, StandingChanged
from laptiming.service.live import LiveSession

WEB_CLIENTS = int(os.environ.get("BENCH_WEB_CLIENTS", "500"))
PASSINGS = 600
PACE_S = float(os.environ.get("BENCH_WEB_PACE_S", "0.1"))  # 10 passings a second: a 100-car field at ~1 lap a minute sends under 2
TARGET_P99_MS = 250.0
TARGET_CPU = "well under one core"
WAIT_S = 120
CLIENT_PROCESSES = 2  # the streams are read by this many processes (one per core of the development machine)
ROW_LAPS = re.compile(rb'"number":"([^"]*)".*?"laps":(\d+)')  # each row's number and laps, as views.row_json orders them


def drive(live: LiveSession, passings: Sequence[Passing], green_us: int) -> tuple[list[int], dict[str, int], dict[str, int]]:
    """Hand each passing over, wait for its commit: commit latencies (ns), commit times by "number:laps" and by ``$J``."""
    by_laps: dict[str, int] = {}
    by_record: dict[str, int] = {}
    arrived = threading.Event()

    def subscriber(events: Sequence[SessionEvent]) -> None:
        now = time.perf_counter_ns()  # CLOCK_MONOTONIC: the same clock in every process of this machine
        for event in events:
            if isinstance(event, StandingChanged) and event.row.laps:
                by_laps.setdefault(f"{event.row.number}:{event.row.laps}", now)
        by_record.update(dict.fromkeys(record_keys(events, green_us), now))
        arrived.set()

    live.subscribe(subscriber)
    return one_by_one(live, passings, arrived, pace_s=PACE_S), by_laps, by_record


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(db_path: Path) -> tuple[subprocess.Popen, str, int]:
    """The feeds as ``run --web 0 --rmonitor 0`` serves them, in a process of their own: it, the page, the RMonitor port."""
    code = ("import sys, threading; from pathlib import Path; from laptiming.cli.beside import feeds_beside\n"
            "with feeds_beside(Path(sys.argv[1]), '127.0.0.1', 0, 0) as lines:\n"
            "    print('\\n'.join(lines), flush=True); sys.stdin.read()\n")
    process = subprocess.Popen([sys.executable, "-c", code, str(db_path)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    web = process.stdout.readline()  # type: ignore[union-attr]
    rmonitor = process.stdout.readline()  # type: ignore[union-attr]
    url = re.search(r"(http://\S+/)", web).group(1)  # type: ignore[union-attr]
    return process, url, int(re.search(r":(\d+)$", rmonitor.strip()).group(1))  # type: ignore[union-attr]


async def read_streams(url: str, count: int) -> None:
    """The client process: ``count`` event streams; "ready" once all have their snapshot; then, given the
    commit times on stdin, the commit -> arrival spans of every client as JSON on stdout.

    A load generator, so each stream's bytes are only cut at event boundaries and searched for each
    row's number and laps (httpx does the HTTP; decoding every event as JSON would make this
    process, not the server, the thing measured).
    """
    import httpx

    arrivals: list[dict[bytes, int]] = [{} for _ in range(count)]
    snapshots = 0
    received = [0, 0]  # events, bytes
    all_ready = asyncio.Event()

    async def one(index: int, client: httpx.AsyncClient) -> None:
        nonlocal snapshots
        seen = arrivals[index]
        pending = b""
        async with client.stream("GET", url + "api/events") as response:
            async for chunk in response.aiter_raw():
                now = time.perf_counter_ns()
                *events, pending = (pending + chunk).split(b"\n\n")
                for event in events:
                    received[0] += 1
                    received[1] += len(event)
                    if event.startswith(b"event: snapshot"):
                        snapshots += 1
                        if snapshots == count:
                            all_ready.set()
                    for number, laps in ROW_LAPS.findall(event):
                        seen.setdefault(number + b":" + laps, now)

    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(trust_env=False, limits=limits, timeout=httpx.Timeout(WAIT_S)) as client:
        tasks = [asyncio.create_task(one(index, client)) for index in range(count)]
        await asyncio.wait_for(all_ready.wait(), WAIT_S)
        print("ready", flush=True)
        cpu_start, wall_start = time.process_time(), time.monotonic()
        committed = {key.encode(): at for key, at in json.loads(await asyncio.to_thread(sys.stdin.readline)).items()}
        deadline = time.monotonic() + WAIT_S
        while any(len(committed.keys() - seen.keys()) for seen in arrivals) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)  # polling with a deadline, for the last updates to arrive
        cpu = (time.process_time() - cpu_start) / (time.monotonic() - wall_start)
        spans = sorted(seen[key] - at for seen in arrivals for key, at in committed.items() if key in seen)
        missing = sum(len(committed.keys() - seen.keys()) for seen in arrivals)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps({"spans": spans, "missing": missing, "skipped_snapshots": snapshots - count, "cpu": cpu,
                      "events": received[0], "bytes": received[1]}), flush=True)


def run(passings: Sequence[Passing], serve: bool) -> dict[str, object]:
    """One race: without any feed, or with the server process, its web clients and scoreboards."""
    green_us = passings[0].decoder_time_us
    with tempfile.TemporaryDirectory() as folder:
        path, session_id = prepare(Path(folder), passings)
        live = LiveSession.open(path, session_id, green_at_first_passing=False)
        outcome: dict[str, object] = {}
        if not serve:
            outcome["commit"], _, _ = drive(live, passings, green_us)
            live.close()
            return outcome
        server, url, rmonitor_port = start_server(path)
        readers = [subprocess.Popen([sys.executable, "-m", "bench.bench_web", "clients", url,
                                     str(WEB_CLIENTS // CLIENT_PROCESSES)],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                   for _ in range(CLIENT_PROCESSES)]
        try:
            for reader in readers:
                assert reader.stdout.readline().strip() == "ready", "the web clients did not all connect"  # type: ignore[union-attr]
            boards = Scoreboards(rmonitor_port, stalled=False)
            boards.wait_ready()
            cpu_before, wall_before = cpu_seconds(server.pid), time.monotonic()
            outcome["commit"], by_laps, by_record = drive(live, passings, green_us)
            boards.wait_for(len(by_record))
            for reader in readers:
                reader.stdin.write(json.dumps(by_laps) + "\n")  # type: ignore[union-attr]
                reader.stdin.flush()  # type: ignore[union-attr]
            parts = [json.loads(reader.stdout.readline()) for reader in readers]  # type: ignore[union-attr]
            web = {"spans": sorted(span for part in parts for span in part["spans"]),
                   **{key: sum(part[key] for part in parts) for key in ("missing", "skipped_snapshots", "cpu",
                                                                         "events", "bytes")}}
            outcome["cpu"] = (cpu_seconds(server.pid) - cpu_before) / (time.monotonic() - wall_before)
            outcome["web"], outcome["updates"] = web, len(by_laps)
            outcome["rmonitor"], outcome["records"] = to_client_ms(boards, by_record), len(by_record)
            boards.close()
        finally:
            for reader in readers:
                reader.kill()
            server.stdin.close()  # type: ignore[union-attr]
            server.wait(30)
            live.close()
    return outcome


def spans_line(spans: list[int], expected: int, label: str) -> str:
    p99 = percentile(spans, 0.99)
    verdict = "OK" if p99 < TARGET_P99_MS and len(spans) == expected else "MISSED"
    complete = "" if len(spans) == expected else f" INCOMPLETE ({len(spans):,} of {expected:,})"
    return (f"  committed -> {label}{complete}: p50 {percentile(spans, 0.5):.1f} ms, p99 {p99:.1f} ms, "
            f"max {spans[-1] / 1e6:.1f} ms (target: p99 under {TARGET_P99_MS:g} ms) {verdict}")


def main() -> None:
    """Print commit -> client p99 for web and RMonitor clients, commit p99 with and without them, and the server's CPU."""
    passings = race()[:PASSINGS]
    load = os.getloadavg()[0]
    print(f"web + RMonitor, 100 cars, {len(passings):,} passings at {1 / PACE_S:.0f}/s, {WEB_CLIENTS} SSE clients "
          f"+ 20 RMonitor clients, server in its own process (load average before: {load:.2f}):")
    alone = run(passings, serve=False)["commit"]
    served = run(passings, serve=True)
    commit = served["commit"]
    print(f"  journal commit p99: {percentile(alone, 0.99):.3f} ms without clients, {percentile(commit, 0.99):.3f} ms "
          f"with them (p50 {percentile(alone, 0.5):.3f} / {percentile(commit, 0.5):.3f} ms; target: unchanged within noise)")
    web = served["web"]
    print(spans_line(web["spans"], served["updates"] * WEB_CLIENTS, f"web client ({WEB_CLIENTS} x {served['updates']:,} lap updates)"))
    print(f"    clients moved on to a snapshot for falling behind: {web['skipped_snapshots']}, updates never seen: "
          f"{web['missing']}; {web['events'] / WEB_CLIENTS:,.0f} events of {web['bytes'] / max(1, web['events']):,.0f} "
          f"bytes each per client; the {CLIENT_PROCESSES} client processes used {web['cpu'] * 100:.0f}% of one core")
    print(spans_line(served["rmonitor"], served["records"] * 20, f"RMonitor $J (20 x {served['records']:,})"))
    print(f"  server process CPU while driving: {served['cpu'] * 100:.0f}% of one core (target: {TARGET_CPU}); "
          f"load average after: {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["clients"]:
        asyncio.run(read_streams(sys.argv[2], int(sys.argv[3])))
    else:
        main()
