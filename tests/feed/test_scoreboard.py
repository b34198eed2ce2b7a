"""The scoreboard turns engine events into the records Orbits sent for the same session, in its order."""

from __future__ import annotations

import csv
from pathlib import Path

from hardware.events import Passing
from laptiming import engine
from laptiming.engine import Entry, SessionMarkers, SessionRules, SessionSetup, TransponderAssignment
from laptiming.feed import rmonitor_records as rec
from laptiming.feed.scoreboard import Scoreboard, Track

S = 1_000_000
T0 = 1_551_542_808_933_000  # the green flag, decoder time
DRIVERS = ["John Smith", "Joe Bloggs", "Morgan Freeman", "Nikki Lauda", "Michael Gambon", "Brice Bailie"]
ORBITS = "rmonitor/Orbits_Mock_Session.txt"


def mock_setup() -> SessionSetup:
    """Orbits' mock session as our setup: cars 1-6, transponders 1001-1006, class Formula Vee, a practice."""
    entries = tuple(Entry(car, str(car), DRIVERS[car - 1], "Formula Vee") for car in range(1, 7))
    assignments = tuple(TransponderAssignment(1000 + car, car) for car in range(1, 7))
    return SessionSetup(SessionRules(), SessionMarkers(green_us=T0), entries, assignments)


def mock_crossings(lines: list[str]) -> list[Passing]:
    """The crossings the Orbits feed reports, as passings (each ``$J``'s total time from the green flag)."""
    passings = []
    for line in lines:
        if line.startswith("$J,"):
            _, number, _, total = next(csv.reader([line]))
            clock, _, ms = total.partition(".")
            h, m, s = (int(part) for part in clock.split(":"))
            time_us = T0 + ((h * 60 + m) * 60 + s) * S + int(ms) * 1000
            passings.append(Passing(1, len(passings) + 1, 1000 + int(number), time_us))
    return passings


def orbits_lines(captures: Path) -> list[str]:
    return (captures / ORBITS).read_text("ascii").splitlines()


def test_refresh_is_the_orbits_header_for_the_same_session(captures: Path) -> None:
    board = Scoreboard(95, "Test Race", engine.start(mock_setup()), Track("Brands Hatch", "2.760"))
    header = orbits_lines(captures)[:28]  # $H, $G, $B, $A, $COMP, $C, $E before the first heartbeat
    assert sorted(board.refresh()) == sorted(header)
    assert board.refresh()[0] == '$B,95,"Test Race"'


def test_passings_give_the_orbits_records_in_the_orbits_order(captures: Path) -> None:
    """First crossings, then the first laps of cars 3, 4 and 5: the same $J, $G and $H lines, in order."""
    lines = orbits_lines(captures)
    passings = mock_crossings(lines)
    state = engine.start(mock_setup())
    board = Scoreboard(95, "Test Race", state)
    board.refresh()
    sent = []
    for passing in passings[:9]:
        state, events = engine.step(state, passing)
        sent.extend(board.apply(events))
    first_j = next(i for i, line in enumerate(lines) if line.startswith("$J,"))
    ninth_j = [i for i, line in enumerate(lines) if line.startswith("$J,")][9]
    expected = [line for line in lines[first_j:ninth_j] if not line.startswith("$F,")]
    assert sent == expected


def test_whole_session_ends_with_the_engine_standings(captures: Path) -> None:
    """After every crossing of the mock, the last $H of each car is its row in the engine's result."""
    passings = mock_crossings(orbits_lines(captures))
    state = engine.start(mock_setup())
    board = Scoreboard(95, "Test Race", state)
    last_h: dict[str, str] = {}
    for passing in passings:
        state, events = engine.step(state, passing)
        for line in board.apply(events):
            if line.startswith("$H,"):
                last_h[line.split(",")[1]] = line
    result = engine.derive_session(passings, mock_setup())
    by_position = {line.split(",")[1]: line for line in last_h.values()}
    for row in result.standings:
        assert by_position[str(row.position)] == rec.practice_position(row.position, row.number, row.best_lap_no,
                                                                       row.best_lap_us)
    assert len(by_position) == len(result.standings) == 6


def test_a_car_taken_off_the_entry_list_clears_the_board_and_a_new_driver_is_announced() -> None:
    """A walk-up entry replaces the car entered by number: $I and a refresh without it; a driver change: $A again."""
    setup = mock_setup()
    state = engine.start(setup, [Passing(1, 1, 1001, T0 + 2 * S), Passing(1, 2, 1002, T0 + 3 * S)])
    board = Scoreboard(95, "Test Race", state)
    board.refresh()
    fewer = SessionSetup(setup.rules, setup.markers, setup.entries[:5], setup.assignments)
    state, events = engine.resetup(state, fewer)
    lines = board.apply(events, fewer, host_time_ns=0)
    assert lines[0].startswith("$I,") and lines[1] == '$B,95,"Test Race"'
    assert sorted(line for line in lines if line.startswith("$A,")) == [
        f'$A,"{n}","{n}",{1000 + n},"{DRIVERS[n - 1].split()[0]}","{DRIVERS[n - 1].split()[1]}","",1'
        for n in range(1, 6)]
    renamed = SessionSetup(setup.rules, setup.markers,
                           (Entry(1, "1", "Ada Lovelace", "Formula Vee"), *fewer.entries[1:]), setup.assignments)
    state, events = engine.resetup(state, renamed)
    assert board.apply(events, renamed, host_time_ns=0)[:2] == ['$A,"1","1",1001,"Ada","Lovelace","",1',
                                                               '$COMP,"1","1",1,"Ada","Lovelace","",""']


def test_a_retired_or_excluded_car_is_said_in_comp_as_imsa_does() -> None:
    """A DNF car stayed a plain competitor on the scoreboard: $COMP's nationality field carries the status
    ("Retired", "Excluded") in IMSA's feeds, re-sent when it changes and in every refresh."""
    from laptiming.engine import CarStatus, Correction, SetStatus

    setup = mock_setup()
    state = engine.start(setup, [Passing(1, 1, 1001, T0 + 2 * S), Passing(1, 2, 1002, T0 + 3 * S)])
    board = Scoreboard(95, "Test Race", state)
    board.refresh()
    retired = setup.with_correction(Correction(1, SetStatus(1, CarStatus.DNF)))
    state, events = engine.resetup(state, retired)
    lines = board.apply(events, retired, host_time_ns=0)
    assert any(line.startswith('$COMP,"1","1",') and ',"Retired",' in line for line in lines)
    assert any(line.startswith('$COMP,"1","1",') and ',"Retired",' in line for line in board.refresh())
    excluded = retired.with_correction(Correction(2, SetStatus(2, CarStatus.DSQ)))
    state, events = engine.resetup(state, excluded)
    assert any(line.startswith('$COMP,"2","2",') and ',"Excluded",' in line
               for line in board.apply(events, excluded, host_time_ns=0))
