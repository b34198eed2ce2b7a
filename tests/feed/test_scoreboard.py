"""The scoreboard turns engine events into the records Orbits sent for the same session, in its order."""

from __future__ import annotations

import csv
from pathlib import Path

from hardware.events import Passing
from laptiming import engine
from laptiming.engine import Entry, SessionMarkers, SessionRules, SessionSetup, SessionType, TransponderAssignment
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


HOST0_NS = 1_700_000_000 * 1_000_000_000  # the host clock at the green flag (each passing arrives as it is made)
MOCK_DURATION_S = 300  # Orbits' mock runs to 5 minutes


def beats_by_second(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Orbits' heartbeats after the green, each with the line's index: the first ``$F`` of each second only (at
    the leader's flag Orbits sent one more in the same second, 9999 on green, as it took that crossing in)."""
    beats, seen = [], set()
    for index, line in enumerate(lines):
        if line.startswith("$F,"):
            beat = next(csv.reader([line]))
            if beat[5].strip() and beat[3] not in seen:
                seen.add(beat[3])
                beats.append((index, beat))
    return beats


def clock_s(text: str) -> int:
    h, m, s = (int(part) for part in text.split(":"))
    return (h * 60 + m) * 60 + s


def test_the_orbits_feed_says_one_lap_to_go_from_the_time_up_until_the_leader_takes_the_flag(captures: Path) -> None:
    """The pattern our heartbeat follows, as the real feed has it: at 5:00 on a 5-minute clock, laps to go 1 and
    time to go 00:00:00 on the green flag, until the leader's next crossing (car 3 at 5:14.808); then 9999, Finish."""
    lines = orbits_lines(captures)
    leader_flag = next(i for i, line in enumerate(lines) if line == '$J,"3","00:00:39.560","00:05:14.808"')
    tail = [(index, beat) for index, beat in beats_by_second(lines) if clock_s(beat[4]) >= MOCK_DURATION_S]
    last_lap = [beat[1:3] + beat[5:] for index, beat in tail if index < leader_flag]
    flagged = [beat[1:3] + beat[5:] for index, beat in tail if index > leader_flag]
    assert last_lap == [["1", "00:00:00", "Green "]] * 15  # race time 5:00 to 5:14
    assert flagged and all(beat == ["9999", "00:00:00", "Finish"] for beat in flagged)
    before = [beat for index, beat in beats_by_second(lines) if clock_s(beat[4]) < MOCK_DURATION_S]
    assert before and {beat[1] for beat in before} == {"9999"}


def test_our_heartbeat_answers_each_second_of_the_mock_as_orbits_did_when_it_is_a_race_run_to_time(
        captures: Path) -> None:
    """The mock's crossings as a race run to 5 minutes, our ``$F`` asked for each second Orbits sent one (half a
    second into it; its yellow flag given as the desk shows it): laps to go, time to go, race time and flag are
    Orbits' own, the last lap included. We sent laps to go 9999 from the time up to the flag (a board could not
    tell the last lap was under way), and the scoreboard alone never knew the leader had taken the flag."""
    lines = orbits_lines(captures)
    setup = mock_setup()
    race = SessionSetup(SessionRules(SessionType.RACE, duration_us=MOCK_DURATION_S * S), setup.markers,
                        setup.entries, setup.assignments)
    state = engine.start(race)
    board = Scoreboard(95, "Test Race", state)
    crossings = iter(passing._replace(host_time_ns=HOST0_NS + (passing.decoder_time_us - T0) * 1000)
                     for passing in mock_crossings(lines))
    beats = dict(beats_by_second(lines))
    compared = 0
    for index, line in enumerate(lines):
        if line.startswith("$J,"):
            state, events = engine.step(state, next(crossings))
            board.apply(events)
        elif index in beats and board.latest_us is not None:  # once a passing has told the decoder's clock
            orbits = beats[index]
            at_ns = HOST0_NS + clock_s(orbits[4]) * 1_000_000_000 + 500_000_000
            given = rec.FlagStatus.YELLOW if orbits[5] == "Yellow" else None
            ours = next(csv.reader([board.heartbeat(at_ns, given)]))
            assert ours[1:3] + ours[4:] == orbits[1:3] + orbits[4:], f"line {index + 1}: {lines[index]}"
            compared += 1
    assert compared > 300
