"""Small builders for timing tests: passings, entries and setups from plain numbers."""

from __future__ import annotations

from collections.abc import Iterable

from hardware.events import Passing
from laptiming.engine import (
    Correction,
    Entry,
    SessionMarkers,
    SessionRules,
    SessionSetup,
    SessionType,
    TransponderAssignment,
)

S = 1_000_000
DECODER = 268307
T0 = 1_551_542_808_933_000


def passing(transponder: int, time_us: int, number: int, decoder_id: int = DECODER) -> Passing:
    """A passing as the decoder layer would hand it over."""
    return Passing(
        decoder_id=decoder_id,
        passing_number=number,
        transponder=transponder,
        decoder_time_us=time_us,
        strength=100,
        hits=20,
        source="test",
    )


def numbered(crossings: Iterable[tuple[int, int]], first_number: int = 1) -> list[Passing]:
    """(transponder, time) pairs to passings, numbered in time order as a decoder numbers them."""
    ordered = sorted(crossings, key=lambda c: c[1])
    return [passing(t, time_us, first_number + i) for i, (t, time_us) in enumerate(ordered)]


def setup_for(
    transponders: Iterable[int],
    *,
    session_type: SessionType = SessionType.PRACTICE,
    min_lap_us: int = 10 * S,
    green_us: int | None = T0,
    checkered_us: int | None = None,
    closed: bool = False,
    duration_us: int | None = None,
    lap_count: int | None = None,
    corrections: tuple[Correction, ...] = (),
    drivers: dict[int, str] | None = None,
) -> SessionSetup:
    """A setup where each transponder is its own car, numbered by the transponder, car id = transponder."""
    transponders = list(transponders)
    drivers = drivers or {}
    return SessionSetup(
        rules=SessionRules(
            session_type=session_type, min_lap_us=min_lap_us, duration_us=duration_us, lap_count=lap_count
        ),
        markers=SessionMarkers(green_us=green_us, checkered_us=checkered_us, closed=closed),
        entries=tuple(Entry(t, str(t), drivers.get(t), "GT") for t in transponders),
        assignments=tuple(TransponderAssignment(t, t) for t in transponders),
        corrections=corrections,
    )
