"""The simulated field: cars with their own pace lapping a circuit, and the loop's read faults.

Pure and deterministic for a seed: it yields loop crossings in decoder-time order. Read faults
that happen at the loop (a car not read at all, a car read twice) are made here; faults on the
cable (noise, corrupt frames) belong to the virtual decoder.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass

from hardware.p3.records import LARGEST_TRANSPONDER

US = 1_000_000
DEFAULT_START_US = 1_781_341_200 * US  # 2026-06-13 09:00:00 on the decoder's (local) clock


@dataclass(frozen=True, slots=True)
class FieldConfig:
    """What to simulate: how many cars for how long, and how often the loop misreads."""

    cars: int = 20
    seed: int = 7
    minutes: float = 20.0
    start_us: int = DEFAULT_START_US  # when the cars leave the pits, on the decoder's clock
    faults: bool = False
    missed_read_rate: float = 0.02
    double_read_rate: float = 0.02
    slow_lap_rate: float = 0.04
    transponders: tuple[int, ...] = ()  # the field's transponders (an event's entries); random when empty

    def __post_init__(self) -> None:
        if self.cars < 1 or self.minutes <= 0:
            raise ValueError("a simulated session needs at least one car and some minutes")
        if self.transponders and len(self.transponders) != self.cars:
            raise ValueError(f"cars={self.cars} but {len(self.transponders)} transponders are given")
        if len(set(self.transponders)) != len(self.transponders):
            raise ValueError("a transponder is given twice")
        if any(not 0 < t <= LARGEST_TRANSPONDER for t in self.transponders):
            raise ValueError(f"transponders are whole numbers from 1 to {LARGEST_TRANSPONDER}")


@dataclass(frozen=True, slots=True)
class SimCar:
    """One car: its transponder, its typical lap, and how much its laps vary."""

    transponder: int
    pace_us: int
    spread_us: int
    pit_exit_us: int


@dataclass(frozen=True, slots=True)
class Crossing:
    """A transponder read at the loop: the time, who, and how well it was read."""

    decoder_time_us: int
    transponder: int
    strength: int
    hits: int
    second_read: bool = False


def make_cars(config: FieldConfig, rng: random.Random) -> list[SimCar]:
    """A club field: laps around 95 s, the quickest cars ~12% faster, the slowest ~25% slower."""
    transponders = rng.sample(range(1_000_000, 10_000_000), config.cars)  # drawn always: same paces for a seed
    if config.transponders:
        transponders = list(config.transponders)
    cars = []
    for index, transponder in enumerate(transponders):
        pace = int(rng.uniform(0.88, 1.25) * 95 * US)
        cars.append(SimCar(transponder, pace, int(pace * rng.uniform(0.004, 0.012)), index * rng.randint(3, 8) * US))
    return cars


def crossings(config: FieldConfig) -> Iterator[Crossing]:
    """Every loop read of the session in decoder-time order (faults included when asked)."""
    rng = random.Random(config.seed)
    cars = make_cars(config, rng)
    end_us = config.start_us + int(config.minutes * 60 * US)
    queue: list[tuple[int, int, int]] = []
    for index, car in enumerate(cars):
        out_lap = int(car.pace_us * rng.uniform(0.3, 0.9))  # pit exit to the line
        heapq.heappush(queue, (config.start_us + car.pit_exit_us + out_lap, index, 0))
    pending_seconds: list[tuple[int, int, Crossing]] = []
    while queue or pending_seconds:
        if pending_seconds and (not queue or pending_seconds[0][0] <= queue[0][0]):
            yield heapq.heappop(pending_seconds)[2]
            continue
        time_us, index, laps = heapq.heappop(queue)
        if time_us > end_us:
            continue
        car = cars[index]
        read = Crossing(time_us, car.transponder, rng.randint(60, 190), rng.randint(8, 95))
        missed = config.faults and laps > 0 and rng.random() < config.missed_read_rate
        if not missed:
            yield read
        if config.faults and rng.random() < config.double_read_rate:
            again = time_us + rng.randint(150_000, 900_000)
            heapq.heappush(pending_seconds, (again, index, Crossing(again, car.transponder, rng.randint(30, 70),
                                                                    rng.randint(2, 6), second_read=True)))
        lap = int(rng.gauss(car.pace_us, car.spread_us))
        if rng.random() < config.slow_lap_rate:
            lap += int(car.pace_us * rng.uniform(0.08, 0.4))  # traffic, a spin, a look at the mirrors
        heapq.heappush(queue, (time_us + max(lap, car.pace_us // 2), index, laps + 1))
