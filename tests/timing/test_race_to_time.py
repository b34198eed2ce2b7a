"""A race run to time ends as its leader crosses the line once the time is up, not at the time itself.

A car that crosses after the time runs out but before the leader has not been shown the flag: it drives one
more lap (Orbits and every race run to time work this way). Checked in the batch, array and live forms.
"""

from __future__ import annotations

from laptiming.engine import FinishTimeSet, PassingReason, SessionType, derive_session, result, start, step
from laptiming.engine.arrays import derive_session_arrays
from laptiming.timefmt import format_gap
from tests.timing.timing_builders import T0, S, numbered, setup_for

LEADER, CHASER, BACKMARKER = 1, 2, 3
# 300 s race. At 300 s the leader (4 laps, the last at 290 s) is about to lap the chaser's road position:
# the chaser (3 laps, the last at 230 s) is less than a lap behind and ahead on the road, so it crosses at
# 305 s, before the leader does at 360 s. The backmarker (2 laps) crosses at 330 s, also before the leader.
CROSSINGS = (
    [(LEADER, T0 + t * S) for t in (50, 110, 170, 230, 290, 360, 420)]
    + [(CHASER, T0 + t * S) for t in (0, 75, 150, 230, 305, 380, 450)]
    + [(BACKMARKER, T0 + t * S) for t in (10, 170, 330, 490)]
)


def _setup(closed: bool = True):
    return setup_for([LEADER, CHASER, BACKMARKER], session_type=SessionType.RACE, min_lap_us=30 * S,
                     duration_us=300 * S, closed=closed)


def test_the_flag_falls_at_the_leaders_first_crossing_once_the_time_is_up():
    batch = derive_session(numbered(CROSSINGS), _setup())
    assert batch.finish_at_us == T0 + 360 * S
    laps = {row.number: (row.laps, row.status.value, format_gap(row.gap)) for row in batch.standings}
    # The chaser crossed at 305 s, before the flag: on the lead lap, it takes the flag at 380 s with 5 laps
    # (at the time itself it would have been finished with 4, shown a lap down).
    assert laps == {"1": (5, "finished", ""), "2": (5, "finished", "+20.000"), "3": (3, "finished", "+2 L")}
    reasons = {car: [v.reason for v in batch.verdicts if v.car_id == car] for car in (LEADER, CHASER, BACKMARKER)}
    assert reasons[CHASER][-3:] == [PassingReason.LAP, PassingReason.FINISH, PassingReason.AFTER_FINISH]
    assert reasons[BACKMARKER][-2:] == [PassingReason.LAP, PassingReason.FINISH]  # 330 s before the flag, 490 s


def test_every_form_of_the_engine_agrees_and_the_live_fold_says_the_flag_as_the_leader_crosses():
    passings = numbered(CROSSINGS)
    setup = _setup(closed=False)
    batch = derive_session(passings, setup)
    assert derive_session_arrays(passings, setup) == batch
    state = start(setup)
    for passing in passings:
        state, _ = step(state, passing)
        if passing.decoder_time_us < T0 + 360 * S:
            assert state.finish_at_us is None, passing  # the time is up at 300 s, the leader not yet across
        else:
            assert state.finish_at_us == T0 + 360 * S
    assert result(state) == batch


def test_a_resend_from_before_the_time_ran_out_can_change_who_led_and_so_who_took_the_flag():
    """Car 2 was the first of the cars on four laps to cross once the 300 s were up (305 s): the flag, as far as
    the passings said. Then car 1's crossing at 295 s, missed by the reader, comes back by RESEND: car 1 led with
    five laps at 300 s, so the flag fell at its 355 s crossing, and car 2's 305 s was a lap like any other."""
    crossings = ([(1, T0 + t * S) for t in (0, 60, 120, 180, 240, 295, 355, 415)]
                 + [(2, T0 + t * S) for t in (5, 70, 135, 200, 265, 305, 380, 455)])
    passings = numbered(crossings)
    late = next(p for p in passings if p.transponder == 1 and p.decoder_time_us == T0 + 295 * S)
    setup = setup_for([1, 2], session_type=SessionType.RACE, min_lap_us=30 * S, duration_us=300 * S)
    state = start(setup)
    for passing in passings:
        if passing is not late:
            state, _ = step(state, passing)
    assert state.finish_at_us == T0 + 305 * S
    state, events = step(state, late)
    batch = derive_session(passings, setup)
    assert batch.finish_at_us == state.finish_at_us == T0 + 355 * S
    assert result(state) == batch
    assert [(row.number, row.laps) for row in batch.standings] == [("1", 6), ("2", 6)]
    assert FinishTimeSet(T0 + 355 * S) in events  # the screens are told the new flag
