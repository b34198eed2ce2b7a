"""RMonitor feed latency: a passing committed -> its ``$J`` read by each of 20 scoreboards on loopback.

A 100-car race is handed to the live session one passing at a time (at a steady pace, as a busy
decoder would send them); the journal commit is timed by a subscriber of the live session, the
arrival by 20 real TCP clients. Two ways to serve it: ``laptiming feed rmonitor`` in its own
process following the database (what the command does), and in-process from a ``Recording``
subscription (what ``laptiming run --rmonitor`` will do). One more client connects and never
reads, and the commit latency (passing in -> committed) is compared with no feed at all.
Target: p99 from commit to client under 250 ms.
"""

from __future__ import annotations

import queue
import re
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.bench_live import percentile, race
from bench.drive import one_by_one, race_event
from hardware.events import Passing
from laptiming.engine import PassingJudged, SessionEvent
from laptiming.feed import rmonitor_records as rec
from laptiming.feed.hub import FeedHub
from laptiming.feed.live import SubscriptionFeed
from laptiming.service.live import LiveSession

CLIENTS = 20
PASSINGS = 1200
PACE_S = 0.01  # 100 passings a second: a 100-car field at ~1 lap/min is under 2 a second
TARGET_P99_MS = 250.0


class Scoreboards:
    """``CLIENTS`` readers on one selector thread, noting when each ``$J`` arrives; one more that never reads."""

    def __init__(self, port: int, stalled: bool) -> None:
        self.socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(CLIENTS)]
        self.stalled = socket.socket()
        if stalled:
            self.stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            self.stalled.connect(("127.0.0.1", port))
        self.arrivals: list[dict[str, int]] = [{} for _ in self.socks]
        self.painted: set[int] = set()  # readers that have had a refresh
        self._partial = [b""] * CLIENTS
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        selector = selectors.DefaultSelector()
        for index, sock in enumerate(self.socks):
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ, index)
        while not self._stop.is_set():
            for key, _ in selector.select(0.1):
                index = key.data
                data = key.fileobj.recv(1 << 20)  # type: ignore[union-attr]
                now = time.perf_counter_ns()
                *lines, self._partial[index] = (self._partial[index] + data).split(b"\r\n")
                for line in lines:
                    if line.startswith(b"$B,"):
                        self.painted.add(index)
                    if line.startswith(b"$J,"):
                        self.arrivals[index].setdefault(line.decode("ascii"), now)

    def wait_ready(self, timeout: float = 30) -> None:
        """Until every reader has had a ``$B`` (the feed follows the session), bounded."""
        deadline = time.monotonic() + timeout
        while len(self.painted) < CLIENTS and time.monotonic() < deadline:
            time.sleep(0.05)  # polling with a deadline

    def wait_for(self, count: int, timeout: float = 60) -> None:
        """Until every reader has ``count`` passings (bounded)."""
        deadline = time.monotonic() + timeout
        while min(len(a) for a in self.arrivals) < count and time.monotonic() < deadline:
            time.sleep(0.05)  # polling with a deadline

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for sock in (*self.socks, self.stalled):
            sock.close()


class LiveSubscription:
    """What ``Recording.subscribe()`` returns, made straight on a live session (no decoder in this bench)."""

    def __init__(self, live: LiveSession) -> None:
        self._queue: queue.SimpleQueue[Sequence[SessionEvent]] = queue.SimpleQueue()
        self.snapshot, self._unsubscribe = live.subscribe_with_snapshot(self._queue.put, 10)

    def get(self, timeout: float | None = None) -> Sequence[SessionEvent] | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self._unsubscribe()


def prepare(folder: Path, passings: Sequence[Passing]) -> tuple[Path, int]:
    path = folder / "feed.db"
    return path, race_event(path, passings)


def record_keys(events: Sequence[SessionEvent], green_us: int) -> list[str]:
    """The ``$J`` each counted crossing in these events makes, as a client sees it: transponder and race time."""
    keys = []
    for event in events:
        verdict = getattr(event, "verdict", None)
        if isinstance(event, PassingJudged) and verdict.reason.counted and verdict.car_id is not None:
            keys.append(f'"{verdict.passing.transponder}",{rec.race_time(verdict.passing.decoder_time_us - green_us)}')
    return keys


def drive(live: LiveSession, passings: Sequence[Passing], green_us: int) -> tuple[list[int], dict[str, int]]:
    """Hand each passing over, wait for its commit; commit latencies (ns) and the commit time of each ``$J``."""
    committed_at: dict[str, int] = {}
    arrived = threading.Event()

    def subscriber(events: Sequence[SessionEvent]) -> None:
        now = time.perf_counter_ns()
        committed_at.update(dict.fromkeys(record_keys(events, green_us), now))
        arrived.set()

    live.subscribe(subscriber)
    return one_by_one(live, passings, arrived, pace_s=PACE_S), committed_at


def to_client_ms(boards: Scoreboards, committed_at: dict[str, int]) -> list[int]:
    """Commit -> arrival for every ``$J`` at every reader."""
    spans = []
    for arrivals in boards.arrivals:
        for line, at in arrivals.items():
            reg, _, total = line[3:].partition(",")
            key = f"{reg},{total.rsplit(',', 1)[-1]}"
            if key in committed_at:
                spans.append(at - committed_at[key])
    return sorted(spans)


def run(passings: Sequence[Passing], serve: str, stalled: bool) -> tuple[list[int], list[int], int]:
    """One session: ``serve`` is "none", "database" (the command, its own process) or "subscription"."""
    green_us = passings[0].decoder_time_us
    with tempfile.TemporaryDirectory() as folder:
        path, session_id = prepare(Path(folder), passings)
        live = LiveSession.open(path, session_id, green_at_first_passing=False)
        stop: Callable[[], None] = lambda: None
        boards = None
        if serve == "database":
            process = subprocess.Popen([sys.executable, "-m", "laptiming", "feed", "rmonitor", "--db", str(path),
                                        "--port", "0"], stdout=subprocess.PIPE, text=True)
            port = int(re.search(r":(\d+)$", process.stdout.readline().strip()).group(1))  # type: ignore[union-attr]
            stop = lambda: (process.terminate(), process.wait(10))  # noqa: E731
        elif serve == "subscription":
            hub = FeedHub().start()
            feed = SubscriptionFeed(hub, LiveSubscription(live), session_id, "Race",  # type: ignore[arg-type]
                                    lambda: live.state.setup).start()
            port = hub.server.port
            stop = lambda: (feed.stop(), hub.close())  # noqa: E731
        if serve != "none":
            boards = Scoreboards(port, stalled)
            boards.wait_ready()  # every reader has had the session's refresh before timing starts
        latencies, committed_at = drive(live, passings, green_us)
        spans: list[int] = []
        if boards is not None:
            boards.wait_for(len(committed_at))
            spans = to_client_ms(boards, committed_at)
            boards.close()
        stop()
        live.close()
    return latencies, spans, len(committed_at)


def main() -> None:
    """Print commit latency without and with a feed, and commit -> client p99 beside the target."""
    passings = race()[:PASSINGS]
    print(f"RMonitor feed, 100 cars, {len(passings):,} passings at {1 / PACE_S:.0f}/s, {CLIENTS} clients:")
    for serve, stalled, label in (
        ("none", False, "no feed"),
        ("database", False, "feed command (own process, follows the database)"),
        ("database", True, "feed command + 1 client that never reads"),
        ("subscription", False, "in-process feed (Recording subscription)"),
        ("subscription", True, "in-process feed + 1 client that never reads"),
    ):
        latencies, spans, passed = run(passings, serve, stalled)
        line = (f"  {label}: passing in -> committed p50 {percentile(latencies, 0.5):.3f} ms, "
                f"p99 {percentile(latencies, 0.99):.3f} ms")
        if spans:
            p99 = percentile(spans, 0.99)
            verdict = "OK" if p99 < TARGET_P99_MS else "MISSED"
            line += (f"; committed -> $J at client ({len(spans):,} = {passed:,} x {CLIENTS}"
                     f"{'' if len(spans) == passed * CLIENTS else ' INCOMPLETE'}): p50 {percentile(spans, 0.5):.1f} ms, "
                     f"p99 {p99:.1f} ms, max {spans[-1] / 1e6:.1f} ms (target: p99 under {TARGET_P99_MS:g} ms) {verdict}")
        print(line, flush=True)


if __name__ == "__main__":
    main()
