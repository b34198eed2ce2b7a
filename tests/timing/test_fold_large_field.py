"""A full field folded passing by passing keeps exactly the batch's standings.

The small random sessions of the property tests rarely move a car past many others; here a
40-car start does (each car's first lap takes it past every car still on lap 0), so the rows
the fold only shifts, and the ones it rebuilds, are checked against the batch all race long.
"""

from __future__ import annotations

import random

import pytest

from laptiming import engine
from laptiming.engine import SessionRules, SessionType, StandingChanged
from laptiming.engine.batch import derive_session_per_crossing
from tests.timing.timing_builders import S, T0, passing

CARS = 40
LAPS = 12


def _field(seed: int) -> list:
    rng = random.Random(seed)
    crossings = []
    for car in range(CARS):
        time_us = T0 + car * 250_000  # the grid crosses the line one after another
        pace = rng.randint(88, 120) * S
        for _ in range(LAPS + 1):
            crossings.append((time_us, 1000 + car))
            time_us += pace + rng.randint(0, 3 * S)
    crossings.sort()
    return [passing(transponder, time_us, number) for number, (time_us, transponder) in enumerate(crossings, start=1)]


@pytest.mark.parametrize("session_type", [SessionType.RACE, SessionType.QUALIFYING])
@pytest.mark.parametrize("seed", [1, 2])
def test_a_full_field_folded_keeps_the_batch_standings(session_type, seed):
    passings = _field(seed)
    transponders = sorted({p.transponder for p in passings})
    setup = engine.SessionSetup(
        rules=SessionRules(session_type=session_type, min_lap_us=30 * S),
        markers=engine.SessionMarkers(green_us=passings[0].decoder_time_us),
        entries=tuple(engine.Entry(t, str(t)) for t in transponders),
        assignments=tuple(engine.TransponderAssignment(t, t) for t in transponders),
    )
    state = engine.start(setup)
    screen = {row.car_id: row for row in state.table.rows}  # what a subscriber keeps from the events
    for index, crossing in enumerate(passings):
        state, events = engine.step(state, crossing)
        screen.update((event.row.car_id, event.row) for event in events if isinstance(event, StandingChanged))
        if index % 23 == 0 or index == len(passings) - 1:
            batch = derive_session_per_crossing(passings[: index + 1], setup).standings
            assert state.table.rows == batch
            assert sorted(screen.values(), key=lambda row: row.position) == list(batch)
