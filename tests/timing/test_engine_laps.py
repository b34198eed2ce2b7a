"""Lap rules of the pure engine: opening crossing, min lap, green and checkered flags, suspect laps."""

from __future__ import annotations

from laptiming.engine import (
    Entry,
    LapFlag,
    PassingReason,
    SessionMarkers,
    SessionRules,
    SessionSetup,
    SessionType,
    TransponderAssignment,
    derive_session,
)
from tests.timing.timing_builders import S, T0, numbered, passing, setup_for


def laps_of(result, car_id):
    return [lap for lap in result.laps if lap.car_id == car_id]


def reasons(result):
    return [(v.passing.transponder, v.reason) for v in result.verdicts]


def test_first_passing_opens_timing_and_later_ones_complete_laps():
    passings = numbered([(7, T0 + 5 * S), (7, T0 + 65_123_456), (7, T0 + 125_000_001)])
    result = derive_session(passings, setup_for([7]))
    assert [v.reason for v in result.verdicts] == [
        PassingReason.OPENED,
        PassingReason.LAP,
        PassingReason.LAP,
    ]
    assert [(lap.lap_no, lap.lap_time_us) for lap in laps_of(result, 7)] == [
        (1, 60_123_456),
        (2, 59_876_545),
    ]
    assert laps_of(result, 7)[1].crossing_us == T0 + 125_000_001


def test_passing_sooner_than_min_lap_is_kept_shown_and_counts_for_nothing():
    passings = numbered([(7, T0), (7, T0 + 2_767_000), (7, T0 + 60 * S)])
    result = derive_session(passings, setup_for([7], min_lap_us=10 * S))
    assert [v.reason for v in result.verdicts] == [
        PassingReason.OPENED,
        PassingReason.UNDER_MIN_LAP,
        PassingReason.LAP,
    ]
    # The lap is measured from the previous *counted* passing, not the double read.
    assert [lap.lap_time_us for lap in laps_of(result, 7)] == [60 * S]


def test_min_lap_is_measured_exactly_at_the_boundary():
    passings = numbered([(7, T0), (7, T0 + 10 * S - 1), (7, T0 + 20 * S - 1)])
    result = derive_session(passings, setup_for([7], min_lap_us=10 * S))
    assert [v.reason for v in result.verdicts][1:] == [PassingReason.UNDER_MIN_LAP, PassingReason.LAP]
    assert [lap.lap_time_us for lap in laps_of(result, 7)] == [20 * S - 1]


def test_passings_before_green_or_without_green_count_for_nothing():
    passings = numbered([(7, T0 - 30 * S), (7, T0 + 1 * S), (7, T0 + 61 * S)])
    result = derive_session(passings, setup_for([7], green_us=T0))
    assert [v.reason for v in result.verdicts] == [
        PassingReason.BEFORE_GREEN,
        PassingReason.OPENED,
        PassingReason.LAP,
    ]
    not_started = derive_session(passings, setup_for([7], green_us=None))
    assert {v.reason for v in not_started.verdicts} == {PassingReason.BEFORE_GREEN}
    assert not_started.laps == ()


def test_unknown_transponder_is_kept_and_reported_not_dropped():
    passings = numbered([(7, T0), (99, T0 + 3 * S), (7, T0 + 60 * S), (99, T0 + 63 * S)])
    result = derive_session(passings, setup_for([7]))
    assert reasons(result).count((99, PassingReason.UNKNOWN_TRANSPONDER)) == 2
    assert len(result.verdicts) == 4
    [unknown] = result.unknown
    assert (unknown.transponder, unknown.passings, unknown.first_us, unknown.last_us) == (
        99,
        2,
        T0 + 3 * S,
        T0 + 63 * S,
    )
    assert [row.car_id for row in result.standings] == [7]


def test_car_not_entered_in_the_session_counts_for_nothing():
    setup = setup_for([7])
    setup = SessionSetup(
        rules=setup.rules,
        markers=setup.markers,
        entries=setup.entries,
        assignments=setup.assignments + (TransponderAssignment(8, 800),),
    )
    result = derive_session(numbered([(8, T0), (8, T0 + 60 * S)]), setup)
    assert {v.reason for v in result.verdicts} == {PassingReason.NOT_ENTERED}


def test_lap_longer_than_factor_times_median_is_counted_and_flagged_suspect():
    times = [0, 60, 120, 180, 290, 350]  # the fifth lap (110 s) is > 1.8 x 60 s
    passings = numbered([(7, T0 + t * S) for t in times])
    result = derive_session(passings, setup_for([7]))
    laps = laps_of(result, 7)
    assert len(laps) == 5
    assert [lap.flags for lap in laps] == [frozenset()] * 3 + [frozenset({LapFlag.SUSPECT}), frozenset()]
    assert result.standings[0].laps == 5


def test_suspect_threshold_uses_the_median_of_an_even_count():
    # laps 60, 60, 100, 200: median 80; 1.8 x 80 = 144 -> only 200 is suspect; 100 is not.
    times = [0, 60, 120, 220, 420]
    result = derive_session(numbered([(7, T0 + t * S) for t in times]), setup_for([7]))
    assert [lap.flags_text for lap in laps_of(result, 7)] == ["", "", "", "suspect"]


def test_checkered_flag_finishes_each_car_on_its_next_crossing():
    crossings = [(1, T0 + t * S) for t in (0, 60, 120, 180)] + [(2, T0 + t * S) for t in (5, 70, 135, 200)]
    setup = setup_for([1, 2], checkered_us=T0 + 130 * S)
    result = derive_session(numbered(crossings), setup)
    by_car = {car: [v.reason for v in result.verdicts if v.passing.transponder == car] for car in (1, 2)}
    assert by_car[1] == [
        PassingReason.OPENED,
        PassingReason.LAP,
        PassingReason.LAP,
        PassingReason.FINISH,
    ]
    assert by_car[2] == [
        PassingReason.OPENED,
        PassingReason.LAP,
        PassingReason.FINISH,
        PassingReason.AFTER_FINISH,
    ]
    assert {row.car_id: row.status.value for row in result.standings} == {1: "finished", 2: "finished"}
    assert result.finish_at_us == T0 + 130 * S


def test_fixed_duration_brings_the_checkered_flag_from_the_green():
    crossings = [(1, T0 + t * S) for t in (0, 60, 120, 180, 240)]
    result = derive_session(numbered(crossings), setup_for([1], duration_us=150 * S))
    assert result.finish_at_us == T0 + 150 * S
    assert [v.reason.value for v in result.verdicts] == ["opened", "lap", "lap", "finish", "after_finish"]


def test_lap_count_race_finishes_when_the_leader_completes_the_laps():
    crossings = [(1, T0 + t * S) for t in (0, 60, 120, 180)] + [(2, T0 + t * S) for t in (1, 65, 130, 195)]
    setup = setup_for([1, 2], session_type=SessionType.RACE, lap_count=2)
    result = derive_session(numbered(crossings), setup)
    assert result.finish_at_us == T0 + 120 * S
    assert [lap.lap_no for lap in laps_of(result, 1)] == [1, 2]
    assert [lap.lap_no for lap in laps_of(result, 2)] == [1, 2]
    assert [row.car_id for row in result.standings] == [1, 2]
    assert all(row.status.value == "finished" for row in result.standings)


def test_repeated_passing_number_with_a_new_time_is_a_new_passing_and_exact_repeat_is_not():
    first = passing(7, T0, 5)
    again = passing(7, T0, 5)
    reset_counter = passing(7, T0 + 60 * S, 5)
    result = derive_session([first, again, reset_counter], setup_for([7]))
    assert len(result.verdicts) == 2
    assert [lap.lap_time_us for lap in laps_of(result, 7)] == [60 * S]


def test_transponder_moved_to_another_car_mid_event_counts_for_each_car_in_its_time():
    rules = SessionRules()
    setup = SessionSetup(
        rules=rules,
        markers=SessionMarkers(green_us=T0),
        entries=(Entry(1, "11"), Entry(2, "22")),
        assignments=(
            TransponderAssignment(500, 1, None),
            TransponderAssignment(500, 2, T0 + 100 * S),
        ),
    )
    times = (0, 60, 120, 180, 240)
    result = derive_session(numbered([(500, T0 + t * S) for t in times]), setup)
    assert [lap.lap_time_us for lap in laps_of(result, 1)] == [60 * S]
    assert [lap.lap_time_us for lap in laps_of(result, 2)] == [60 * S, 60 * S]


def test_a_first_crossing_at_or_after_the_finish_is_after_the_checkered_flag_in_every_form():
    """Car 2 reaches the line first at the finish (the leader taking the flag at 35 s, the first crossing once
    the race's 30 s were up) and again later: neither crossing opens its timing."""
    from laptiming.engine import PassingJudged, result, start, step
    from laptiming.engine.arrays import derive_session_arrays

    crossings = [(1, T0), (1, T0 + 35 * S), (1, T0 + 70 * S), (2, T0 + 35 * S), (2, T0 + 65 * S), (3, T0 + 5 * S)]
    passings = numbered(crossings)
    setup = setup_for([1, 2, 3], session_type=SessionType.RACE, duration_us=30 * S, closed=True)
    batch = derive_session(passings, setup)
    by_car = {car: [v.reason for v in batch.verdicts if v.car_id == car] for car in (1, 2, 3)}
    assert by_car[2] == [PassingReason.AFTER_CHECKERED, PassingReason.AFTER_CHECKERED]
    assert not PassingReason.AFTER_CHECKERED.counted
    assert by_car[1] == [PassingReason.OPENED, PassingReason.FINISH, PassingReason.AFTER_FINISH]
    assert by_car[3] == [PassingReason.OPENED]  # opened before the flag: still running, not DNS
    assert {row.number: row.status.value for row in batch.standings} == {"1": "finished", "3": "running", "2": "DNS"}
    assert derive_session_arrays(passings, setup) == batch
    state, judged = start(setup), []
    for p in passings:  # live, as the app's Passings screen is fed
        state, events = step(state, p)
        judged += [e.verdict for e in events if isinstance(e, PassingJudged) and e.verdict.car_id == 2]
    assert [v.reason for v in judged] == [PassingReason.AFTER_CHECKERED] * 2
    assert result(state) == batch


def test_a_race_with_nothing_to_end_it_can_take_the_flag_at_the_leaders_last_lap():
    """The leader (car 1) completes its last lap at 180 s: car 2 finishes at 200, car 3 (a lap down) at 190 and
    its crossing at 260 is after its finish; car 4 stopped at 80 and never took the flag."""
    from laptiming.engine import result, start
    from laptiming.engine.arrays import derive_session_arrays
    from laptiming.engine.batch import derive_session_per_crossing

    crossings = ([(1, T0 + t * S) for t in (0, 60, 120, 180)] + [(2, T0 + t * S) for t in (5, 70, 135, 200)]
                 + [(3, T0 + t * S) for t in (10, 100, 190, 260)] + [(4, T0 + t * S) for t in (15, 80)])
    passings = numbered(crossings)
    setup = setup_for([1, 2, 3, 4], session_type=SessionType.RACE, closed=True)
    flagged = derive_session_per_crossing(passings, setup, flag_at_leader=True)
    assert flagged.finish_at_us == flagged.setup.markers.checkered_us == T0 + 180 * S
    assert [(r.number, r.laps, r.status.value) for r in flagged.standings] == [
        ("1", 3, "finished"), ("2", 3, "finished"), ("3", 2, "finished"), ("4", 1, "running")]
    assert [v.reason for v in flagged.verdicts if v.car_id == 3][-2:] == [PassingReason.FINISH, PassingReason.AFTER_FINISH]
    assert derive_session_arrays(passings, setup, flag_at_leader=True) == flagged
    assert derive_session(passings, setup, flag_at_leader=True) == flagged
    # The flag is in the result's setup: stored, it gives the same result to every later derivation.
    assert derive_session(passings, flagged.setup) == flagged
    assert result(start(flagged.setup, passings)) == flagged
    assert derive_session(passings, setup).finish_at_us is None  # without it, nothing ends the race
    timed = setup_for([1, 2, 3, 4], session_type=SessionType.RACE, closed=True, duration_us=100 * S)
    assert derive_session(passings, timed, flag_at_leader=True) == derive_session(passings, timed)  # a rule wins
    unlapped = numbered([(1, T0), (2, T0 + 5 * S)])
    assert derive_session(unlapped, setup, flag_at_leader=True) == derive_session(unlapped, setup)  # no lap: no flag
