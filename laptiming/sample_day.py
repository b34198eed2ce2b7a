"""A realistic club day in an event database, for the samples, the tests and the benchmark.

Named drivers in three classes run in groups, each a few times; every driver has a pace that
improves a little from run to run, laps vary, the odd lap is slow (traffic), the loop now and
then misses a car (a suspect lap) or reads it twice (a short passing that counts for nothing).
The last session can be a race with a penalty and a deleted lap. Deterministic for a seed.

    python -m laptiming.sample_day OUT.db [--drivers N] [--per-session N] [--runs N]
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from hardware.events import Passing
from laptiming.engine import DeleteLap, SessionRules, SessionType, TimePenalty
from laptiming.store import (
    SessionPhase,
    append_correction,
    assign_transponder,
    create_session,
    enter_car,
    ensure_car,
    ensure_driver,
    journal_bulk,
    open_event_db,
    update_session,
    write_transaction,
)
from laptiming.store.sessions import now_text

US = 1_000_000
DECODER_ID = 268307
DAY_START_US = 1_781_341_200 * US  # 2026-06-13 09:00:00 on the decoder's clock
SLOT_US = 20 * 60 * US
CLASSES = ("Standard", "Performance", "Classic")
FIRST = ("Ada", "Ben", "Clara", "Dev", "Elif", "Finn", "Greta", "Hugo", "Ines", "Jo", "Kai", "Lena", "Marek",
         "Nadia", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tess", "Ugo", "Vera", "Wim", "Xenia", "Yusuf", "Zoe",
         "Ana", "Björn", "Chloé", "Dário")
LAST = ("Adler", "Berger", "Carter", "Dubois", "Evans", "Fischer", "García", "Hansen", "Ito", "Jensen", "Kowalski",
        "Lindqvist", "Moreau", "Novak", "Olsen", "Petrov", "Quist", "Rossi", "Schmidt", "Turner", "Ueda", "Varga",
        "Weber", "Xu", "Yilmaz", "Zimmer", "Álvarez", "Brennan", "Costa", "Dahl")


@dataclass(frozen=True, slots=True)
class SampleDriver:
    """A driver with their car and the pace of their first run."""

    name: str
    number: str
    car_class: str
    transponder: int
    pace_us: int
    spread_us: int


def make_drivers(count: int, rng: random.Random) -> list[SampleDriver]:
    """Unique names, cars numbered from 2, a class each, a pace between about 1:28 and 1:52."""
    names = [f"{first} {last}" for first, last in itertools.product(FIRST, LAST)]
    if count > len(names):
        raise ValueError(f"at most {len(names)} sample drivers")
    chosen = rng.sample(names, count)
    drivers = []
    for index, name in enumerate(chosen):
        pace = int(rng.uniform(88, 112) * US)
        drivers.append(SampleDriver(name, str(index + 2), CLASSES[index % len(CLASSES)], 3_100_000 + 37 * index,
                                    pace, int(pace * rng.uniform(0.004, 0.012))))
    return drivers


def run_passings(drivers: list[SampleDriver], run: int, start_us: int, minutes: float, rng: random.Random,
                 numbers: itertools.count) -> list[Passing]:
    """Every loop read of one session, numbered in time order as a decoder numbers them."""
    end_us = start_us + int(minutes * 60 * US)
    reads: list[tuple[int, int, int]] = []
    for index, driver in enumerate(drivers):
        pace = int(driver.pace_us * (1 - 0.008 * run * rng.uniform(0.2, 1.4)))
        time_us = start_us + index * rng.randint(2, 5) * US + int(pace * rng.uniform(0.3, 0.8))
        first = True
        while time_us <= end_us:
            missed = not first and rng.random() < 0.02
            if not missed:
                reads.append((time_us, driver.transponder, rng.randint(60, 190)))
            if rng.random() < 0.015:
                reads.append((time_us + rng.randint(200_000, 900_000), driver.transponder, rng.randint(30, 60)))
            lap = int(rng.gauss(pace, driver.spread_us))
            if rng.random() < 0.05:
                lap += int(pace * rng.uniform(0.05, 0.3))
            time_us += max(lap, pace // 2)
            first = False
    reads.sort()
    return [Passing(DECODER_ID, next(numbers), transponder, time_us, strength, 40, source="sample")
            for time_us, transponder, strength in reads]


def build_sample_event(path: str | Path, *, drivers: int = 36, per_session: int = 12, runs: int = 3,
                       minutes: float = 15.0, race: bool = True, seed: int = 7,
                       event_name: str = "Club track day 2026-06-13") -> Path:
    """Make the event database at ``path`` (it must not exist); its path."""
    rng = random.Random(seed)
    field = make_drivers(drivers, rng)
    groups = [field[i:i + per_session] for i in range(0, len(field), per_session)]
    numbers = itertools.count(10001)
    db = open_event_db(path, create=True)
    try:
        with write_transaction(db):
            db["event"].insert({"name": event_name, "created_at": now_text()})
            ids: dict[str, tuple[int, int]] = {}
            for driver in field:
                car_id = ensure_car(db, driver.number, driver.car_class)
                assign_transponder(db, driver.transponder, car_id, made_by="sample", reason="registration")
                ids[driver.name] = (car_id, ensure_driver(db, driver.name))
            slot = 0
            for run in range(runs):
                for group_index, group in enumerate(groups):
                    name = f"Group {chr(ord('A') + group_index)} run {run + 1}"
                    rules = SessionRules(SessionType.PRACTICE, min_lap_us=30 * US)
                    _timed_session(db, name, rules, group, run, slot, minutes, rng, numbers, ids)
                    slot += 1
            if race and groups:
                rules = SessionRules(SessionType.RACE, min_lap_us=30 * US, lap_count=6)
                session_id = _timed_session(db, "Group A race", rules, groups[0], runs, slot, 20.0, rng, numbers, ids)
                winner, second = ids[groups[0][0].name][0], ids[groups[0][1 % len(groups[0])].name][0]
                append_correction(db, session_id, TimePenalty(second, 5 * US), "clerk",
                                  "jump start, seen by the starter")
                append_correction(db, session_id, DeleteLap(winner, crossing_us=_crossing(db, session_id, groups[0][0], 2), lap_no=2),
                                  "clerk", "track limits at turn 4")
    finally:
        db.close()
    return Path(path)


def _crossing(db: Database, session_id: int, driver: SampleDriver, index: int) -> int:
    """The decoder time of a driver's ``index``-th passing in the session (to name a lap's crossing)."""
    rows = db.execute(
        "SELECT p.decoder_time_us FROM session_passings s JOIN passings p ON p.id = s.passing_id "
        "WHERE s.session_id = ? AND p.transponder = ? AND p.strength >= 60 ORDER BY p.decoder_time_us",
        [session_id, driver.transponder]).fetchall()
    return int(rows[min(index, len(rows) - 1)][0])


def _timed_session(db: Database, name: str, rules: SessionRules, group: list[SampleDriver], run: int, slot: int,
                   minutes: float, rng: random.Random, numbers: itertools.count,
                   ids: dict[str, tuple[int, int]]) -> int:
    start_us = DAY_START_US + slot * SLOT_US
    passings = run_passings(group, run, start_us, minutes, rng, numbers)
    session_id = create_session(db, name, rules, phase=SessionPhase.FINISHED)
    update_session(db, session_id, green_us=start_us,
                   checkered_us=start_us + int(minutes * 60 * US) if rules.lap_count is None else None)
    for driver in group:
        car_id, driver_id = ids[driver.name]
        enter_car(db, session_id, car_id, driver_id)
    journal_bulk(db.conn, session_id, passings)
    return session_id


def main(argv: list[str] | None = None) -> int:
    """Write a sample event database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--drivers", type=int, default=36)
    parser.add_argument("--per-session", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if Path(args.out).exists():  # never a second sample day inside an event's (or the last sample's) database
        print(f"laptiming: {args.out} already exists; the sample day goes into a new event database", file=sys.stderr)
        return 2
    build_sample_event(args.out, drivers=args.drivers, per_session=args.per_session, runs=args.runs, seed=args.seed)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
