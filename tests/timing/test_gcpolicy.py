"""The collector policy of a timing process: set by the ``laptiming`` entry point, and it spares the live path.

Both tests change the process-wide thresholds and put them back as they were.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator

import pytest

from laptiming import engine
from laptiming.cli import main
from laptiming.engine import SessionType
from laptiming.gcpolicy import LIVE_THRESHOLDS, use_live_thresholds
from tests.timing.timing_builders import S, T0, numbered, setup_for

CARS = 100
LAPS = 30


@pytest.fixture
def thresholds_kept() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_the_laptiming_command_sets_the_live_thresholds(thresholds_kept, tmp_path, capsys):
    gc.set_threshold(700, 10, 10)
    assert main(["sessions", "--db", str(tmp_path / "none.db")]) == 2  # any command, even one that fails
    assert gc.get_threshold() == LIVE_THRESHOLDS
    assert "database not found" in capsys.readouterr().err


def _race() -> list:
    rng = random.Random(5)
    crossings = []
    for car in range(CARS):
        time_us = T0 + car * 300_000
        pace = rng.randint(88, 120) * S
        for _ in range(LAPS + 1):
            crossings.append((1000 + car, time_us))
            time_us += pace + rng.randint(0, 3 * S)
    return numbered(crossings)


def _young_collections(passings: list, thresholds: tuple[int, int, int]) -> int:
    """How many collections start while a 100-car race is folded passing by passing at these thresholds."""
    setup = setup_for(sorted({p.transponder for p in passings}), session_type=SessionType.RACE, min_lap_us=30 * S)
    started = []

    def count(phase: str, info: dict) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.collect()
    gc.set_threshold(*thresholds)
    gc.callbacks.append(count)
    try:
        state = engine.start(setup)
        for crossing in passings:
            state, _ = engine.step(state, crossing)
    finally:
        gc.callbacks.remove(count)
    return len(started)


def test_the_live_thresholds_collect_far_less_often_while_a_race_is_timed(thresholds_kept):
    passings = _race()
    default = _young_collections(passings, (700, 10, 10))
    use_live_thresholds()
    live = _young_collections(passings, gc.get_threshold())
    assert default >= 10  # the default collects every ~200 steps of a full field (the engine alone)
    assert live * 8 <= default
