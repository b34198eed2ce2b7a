"""The JSON shapes of the web API: engine numbers in, display text out (times through ``timefmt``).

Pure functions; the engine returns integers, the page shows what timing sheets print.
"""

from __future__ import annotations

from collections.abc import Iterable

from laptiming.engine import Lap, SessionResult, StandingRow
from laptiming.report import out_of_the_running, penalty_text, status_text
from laptiming.service.control import Flag
from laptiming.service.day import DaySession
from laptiming.service.decoder_link import DecoderLink
from laptiming.store import SessionRecord
from laptiming.timefmt import US_PER_SECOND, format_gap, format_lap_time

from laptiming.service.web_feed import Json  # the JSON the page and the feed readers share


def row_json(row: StandingRow) -> Json:
    """One standings row as the page shows it (``car_id`` keys it; ``pb``/``sb`` colour the last lap)."""
    return {
        "car_id": row.car_id,
        "pos": row.classified_position,  # null for DNF, DNS, DSQ: ``out`` says which
        "number": row.number,
        "driver": row.driver or "",
        "class": row.car_class or "",
        "laps": row.laps,
        "last": format_lap_time(row.last_lap_us),
        "best": format_lap_time(row.best_lap_us),
        "best_lap": row.best_lap_no,
        "gap": format_gap(row.gap),
        "interval": format_gap(row.interval),
        "status": status_text(row),
        "out": out_of_the_running(row),  # DNF, DNS or DSQ: shown in place of the gap
        "penalty": penalty_text(row),  # +5.000 pen: shown under the gap
        "pb": row.personal_best,
        "sb": row.session_best,
    }


def session_json(record: SessionRecord, flag: Flag | None, elapsed_us: int | None = None, timing: bool = False,
                 clock_us: int | None = None, decoder: DecoderLink | None = None, journal_held: bool = False,
                 leader_laps: int | None = None) -> Json:
    """A session's header: name, type, phase, flag, the race time at the latest passing (decoder time since the
    green), the race clock now in whole seconds (``clock_us``; else as at the latest passing), ``timing``:
    whether a recorder times it now (a running session nobody times shows stale standings), and ``decoder``:
    what that recorder hears from its decoder (``connected``, ``silent``, ``disconnected``, ``ended``; null: not said),
    ``journal``: ``held`` while that recorder holds passings it cannot write yet (the standings lag behind), and
    ``laps_to_go``: in a session to a lap count, the laps its leader (``leader_laps`` done) has left, and ``last_lap``: a
    race on its last lap before the flag (run to time: the time is up; to a lap count: the leader's last lap)."""
    duration = record.rules.duration_us
    remaining = None if duration is None or elapsed_us is None else max(0, duration - elapsed_us)
    clock_us = elapsed_us if clock_us is None else clock_us
    clock_remaining = None if duration is None or clock_us is None else max(0, duration - clock_us)
    last_lap = record.rules.last_lap(clock_us, leader_laps) and flag is not None and flag is not Flag.CHECKERED
    return {
        "id": record.session_id,
        "name": record.name,
        "type": record.rules.session_type.value,
        "phase": record.phase.value,
        "flag": None if flag is None else flag.value,
        "elapsed": format_lap_time(elapsed_us),
        "remaining": format_lap_time(remaining),
        # whole seconds, as the header is made: the page's clock runs on from them until the next header; both
        # truncated as the board's $F and the app's header show them (rounded up, the phones read a second more to go)
        "elapsed_s": None if clock_us is None else clock_us // US_PER_SECOND,
        "remaining_s": None if clock_remaining is None else clock_remaining // US_PER_SECOND,
        "laps": record.rules.lap_count,
        "laps_to_go": record.rules.laps_to_go(leader_laps),
        "last_lap": last_lap,
        "timing": timing,
        "decoder": None if decoder is None else decoder.value,
        "journal": "held" if journal_held else None,
    }


def next_json(sessions: Iterable[DaySession]) -> Json | None:
    """The session planned next, as the Day screen marks it: its name and planned start (``HH:MM``), or None."""
    planned = next((s for s in sessions if s.expected_next), None)
    if planned is None:
        return None
    return {"id": planned.session_id, "name": planned.name,
            "at": None if planned.planned_start is None else planned.planned_start[-5:]}


def day_json(sessions: Iterable[DaySession]) -> list[Json]:
    """The day's sessions, in id order, with what a phone needs to pick one; ``timing`` and ``decoder`` as in
    :func:`session_json` (a running session whose recorder cannot hear its decoder is not shown "running")."""
    return [{"id": s.session_id, "name": s.name, "type": s.session_type.value, "phase": s.phase.value,
             "planned_start": s.planned_start, "entries": s.entries, "passings": s.passings,
             "flag": None if s.flag is None else s.flag.value,
             "results": None if s.results is None else s.results.value,
             "timing": s.timed_by is not None,
             "decoder": None if s.timed_by is None or s.timed_by.decoder is None else s.timed_by.decoder.value,
             "journal": "held" if s.timed_by is not None and s.timed_by.journal_held else None}
            for s in sessions]


def laps_json(result: SessionResult, number: str) -> Json | None:
    """One car's laps in a session (None: no such car in it): each lap's time, flags and the best marked."""
    row = next((row for row in result.standings if row.number == number), None)
    if row is None:
        return None
    laps: list[Lap] = sorted((lap for lap in result.laps if lap.car_id == row.car_id), key=lambda lap: lap.lap_no)
    return {
        "number": row.number,
        "driver": row.driver or "",
        "class": row.car_class or "",
        "pos": row.classified_position,
        "out": out_of_the_running(row),
        "best": format_lap_time(row.best_lap_us),
        "laps": [{"lap": lap.lap_no, "time": format_lap_time(lap.lap_time_us), "flags": lap.flags_text,
                  "best": lap.lap_no == row.best_lap_no} for lap in laps],
    }
