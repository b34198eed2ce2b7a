"""The live timing app under load: a passing reaching the service -> its row redrawn on the Live screen.

100 cars in a practice session; passings are handed to the running session exactly as the decoder
reader does (its listener, from another thread), in bursts of 50 within one second. The clock
stops when the standings widget draws that car's new line for the screen (the app headless, full
rendering, a terminal tall enough for every row). Then a steady 20 passings/s for some seconds while the process's CPU time is measured
(the journal writer, the engine and the UI together). Targets: p99 latency under 100 ms; CPU under
25% of one core.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import threading
import time
from pathlib import Path

from hardware.events import Passing
from laptiming.app import LiveTimingApp, Timing
from laptiming.engine import SessionRules
from laptiming.store import create_session, open_event_db, write_transaction
from laptiming.store.entries import enter_by_number

CARS = 100
BURSTS = 8
BURST = 50
STEADY_RATE = 20
STEADY_S = 8.0
TARGET_P99_MS = 100.0
TARGET_CPU = 0.25
US = 1_000_000
FIRST = 1_000_000
NOWHERE = "tcp://127.0.0.1:9"  # loopback, nothing listening: the reader retries, passings come from the bench


class TimedApp(LiveTimingApp):
    """The app, noting when each awaited car's row is first drawn."""

    def __init__(self, timing: Timing) -> None:
        super().__init__(timing)
        self.waiting: dict[int, float] = {}  # car id -> when its passing reached the service
        self.latencies: list[float] = []
        self.lock = threading.Lock()

    def shown(self, car_ids: set[int]) -> None:
        now = time.perf_counter()
        with self.lock:
            for car_id in car_ids & self.waiting.keys():
                self.latencies.append(now - self.waiting.pop(car_id))


def _event(path: Path) -> None:
    db = open_event_db(path, create=True)
    try:
        with write_transaction(db):
            session_id = create_session(db, "Bench practice", SessionRules())
            enter_by_number(db, session_id, range(FIRST, FIRST + CARS))
    finally:
        db.close()


class Feeder:
    """Passings for 100 cars lapping in turn, each about 100 s apart on the decoder's clock."""

    def __init__(self) -> None:
        self.number = 0
        self.time_us = 1_781_341_200 * US

    def next(self) -> Passing:
        self.number += 1
        self.time_us += 1_000_000 + (self.number * 7919) % 200_000  # a car each second or so
        transponder = FIRST + (self.number - 1) % CARS
        return Passing(268307, self.number, transponder, self.time_us, 120, 40, host_time_ns=time.time_ns())


def _car_ids(app: TimedApp) -> dict[int, int]:
    return {t: row.car_id for row in app.timing.state.standings for t in row.transponders}  # type: ignore[union-attr]


def _feed(app: TimedApp, feeder: Feeder, count: int, per_second: float, measure: bool) -> None:
    live = app.timing.recording.live  # type: ignore[union-attr]
    cars = _car_ids(app)
    start = time.perf_counter()
    for index in range(count):
        target = start + index / per_second
        delay = target - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        passing = feeder.next()
        if measure:
            with app.lock:
                app.waiting[cars[passing.transponder]] = time.perf_counter()
        live.on_decoder_read((passing,))  # as the decoder reader hands over a read of one passing


async def _run(db_path: Path) -> tuple[list[float], float, int]:
    app = TimedApp(Timing(db_path, NOWHERE))
    async with app.run_test(size=(120, CARS + 10)) as pilot:  # every car's row on screen, so each one is drawn
        app.start_session(1)
        while app.timing.recording is None or len(app.model.rows) < CARS:
            await pilot.pause(0.05)
        feeder = Feeder()
        await asyncio.to_thread(_feed, app, feeder, CARS, 200.0, False)  # every car opens its timing
        await pilot.pause(1.0)
        for _ in range(BURSTS):
            await asyncio.to_thread(_feed, app, feeder, BURST, float(BURST), True)
            deadline = time.monotonic() + 5
            while app.waiting and time.monotonic() < deadline:
                await pilot.pause(0.02)
            await pilot.pause(0.3)
        lost = len(app.waiting)
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        await asyncio.to_thread(_feed, app, feeder, int(STEADY_RATE * STEADY_S), float(STEADY_RATE), False)
        cpu = (time.process_time() - cpu_start) / (time.perf_counter() - wall_start)
        app.timing.stop()
        return app.latencies, cpu, lost


def main() -> None:
    """Print p50/p99 latency and CPU share beside their targets."""
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "bench.db"
        _event(db_path)
        latencies, cpu, lost = asyncio.run(_run(db_path))
    ms = sorted(latency * 1000 for latency in latencies)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(f"app: {CARS} cars, {BURSTS} bursts of {BURST} passings in 1 s, {len(ms)} rows timed ({lost} never drawn)")
    print(f"  passing -> row on screen   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
          f"(target p99 < {TARGET_P99_MS:.0f} ms) {'ok' if p99 < TARGET_P99_MS and not lost else 'MISSED'}")
    print(f"  CPU at {STEADY_RATE} passings/s     {cpu * 100:5.1f}% of one core  "
          f"(target < {TARGET_CPU * 100:.0f}%) {'ok' if cpu < TARGET_CPU else 'MISSED'}")


if __name__ == "__main__":
    main()
