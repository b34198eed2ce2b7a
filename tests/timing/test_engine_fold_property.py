"""Property: the live fold over the passings, in any arrival order, equals the batch result.

Corrections included, whether they are in the setup from the start or arrive mid-session, and a
subscriber that only applies the fold's events ends with exactly the batch's laps and standings.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardware.p3.columns import PassingColumns
from laptiming.engine import (
    AddPassing,
    AssignTransponder,
    CarStatus,
    Correction,
    DeleteLap,
    LapChanged,
    LapRemoved,
    SessionType,
    SetMinLap,
    SetStatus,
    StandingChanged,
    TimePenalty,
    TransponderAssignment,
    VoidPassing,
    derive_session,
    resetup,
    result,
    start,
    step,
)
from laptiming.engine.arrays import derive_session_arrays, derive_session_columns
from laptiming.engine.batch import derive_session_per_crossing
from laptiming.engine.columns import LapColumns
from tests.timing.timing_builders import DECODER, T0, S, passing, setup_for

CARS = [1, 2, 3, 4]
UNKNOWN = 99


@st.composite
def sessions(draw):
    """A session: passings in decoder numbering, an arrival order, a setup and corrections."""
    crossings = []
    for transponder in draw(st.lists(st.sampled_from(CARS + [UNKNOWN]), min_size=1, max_size=5, unique=True)):
        time_us = T0 + draw(st.integers(-20 * S, 30 * S))
        for _ in range(draw(st.integers(0, 9))):
            crossings.append((transponder, time_us))
            time_us += draw(st.one_of(st.integers(1 * S, 9 * S), st.integers(40 * S, 70 * S), st.integers(100 * S, 200 * S)))
    crossings.sort(key=lambda c: c[1])
    passings = [passing(t, time_us, n + 1) for n, (t, time_us) in enumerate(crossings)]
    arrival = draw(st.one_of(st.just(list(passings)), st.permutations(passings)))
    if passings and draw(st.booleans()):
        arrival.insert(draw(st.integers(0, len(arrival))), draw(st.sampled_from(passings)))  # a resend
    corrections = []
    for correction_id in range(1, draw(st.integers(0, 4)) + 1):
        kind = draw(st.sampled_from(["add", "void", "penalty", "delete", "status", "assign", "minlap"]))
        car = draw(st.sampled_from(CARS))
        if kind == "add":
            action = AddPassing(car, T0 + draw(st.integers(0, 600 * S)))
        elif kind == "void" and passings:
            action = VoidPassing(DECODER, draw(st.sampled_from(passings)).passing_number)
        elif kind == "penalty":
            action = TimePenalty(car, draw(st.integers(1, 30)) * S)
        elif kind == "delete" and passings:
            target = draw(st.sampled_from(passings))
            action = DeleteLap(target.transponder, target.decoder_time_us, 1)
        elif kind == "status":
            action = SetStatus(car, draw(st.sampled_from(list(CarStatus)[:1] + list(CarStatus)[2:])))
        elif kind == "assign":
            action = AssignTransponder(UNKNOWN, car)
        else:
            action = SetMinLap(draw(st.integers(0, 60)) * S)
        corrections.append(Correction(correction_id, action, reason=kind))
    session_type = draw(st.sampled_from(list(SessionType)))
    options = dict(
        session_type=session_type,
        min_lap_us=draw(st.integers(0, 50)) * S,
        green_us=draw(st.one_of(st.none(), st.just(T0), st.just(T0 + 10 * S))),
        checkered_us=draw(st.one_of(st.none(), st.integers(T0, T0 + 700 * S))),
        closed=draw(st.booleans()),
        duration_us=draw(st.one_of(st.none(), st.integers(60, 600).map(lambda s: s * S))),
        lap_count=draw(st.one_of(st.none(), st.integers(1, 6))),
    )
    entered = draw(st.lists(st.sampled_from(CARS), min_size=1, unique=True))
    moves = tuple(
        TransponderAssignment(UNKNOWN, draw(st.sampled_from(CARS)), T0 + draw(st.integers(-30, 600)) * S)
        for _ in range(draw(st.integers(0, 2)))
    )  # the spare transponder moves between cars during the session
    return arrival, entered, options, tuple(corrections), moves


def with_moves(setup, moves):
    return replace(setup, assignments=setup.assignments + moves)


def fold(state, passings):
    events = []
    for p in passings:
        state, produced = step(state, p)
        events.extend(produced)
    return state, events


class Subscriber:
    """What a live screen keeps: rows and laps keyed by car, replaced by each event, never recomputed."""

    def __init__(self, state):
        self.rows = {row.car_id: row for row in state.standings}
        self.laps = {(lap.car_id, lap.lap_no): lap for lap in result(state).laps}

    def apply(self, events):
        for event in events:
            if isinstance(event, StandingChanged):
                self.rows[event.row.car_id] = event.row
            elif isinstance(event, LapChanged):
                self.laps[(event.lap.car_id, event.lap.lap_no)] = event.lap
            elif isinstance(event, LapRemoved):
                del self.laps[(event.car_id, event.lap_no)]

    def standings(self):
        return sorted(self.rows.values(), key=lambda row: row.position)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions())
def test_fold_in_any_arrival_order_equals_batch_with_corrections(session):
    arrival, entered, options, corrections, moves = session
    setup = with_moves(setup_for(entered, corrections=corrections, **options), moves)
    batch = derive_session(arrival, setup)
    initial = start(setup)
    final, events = fold(initial, arrival)
    assert result(final) == batch
    assert final.standings == batch.standings
    subscriber = Subscriber(initial)
    subscriber.apply(events)
    assert tuple(subscriber.standings()) == batch.standings
    assert sorted(subscriber.laps.values(), key=lambda lap: (lap.car_id, lap.lap_no)) == list(batch.laps)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions(), st.data())
def test_corrections_arriving_mid_session_and_a_resume_give_the_batch_result(session, data):
    arrival, entered, options, corrections, moves = session
    cut = data.draw(st.integers(0, len(arrival)))
    plain = with_moves(setup_for(entered, **options), moves)
    state, events = fold(start(plain), arrival[:cut])
    subscriber = Subscriber(start(plain))
    subscriber.apply(events)
    corrected = plain
    for correction in corrections:
        corrected = corrected.with_correction(correction)
        state, produced = resetup(state, corrected)
        subscriber.apply(produced)
    state, events = fold(state, arrival[cut:])
    subscriber.apply(events)
    batch = derive_session(arrival, corrected)
    assert result(state) == batch
    assert state.standings == batch.standings
    assert tuple(subscriber.standings()) == batch.standings
    assert sorted(subscriber.laps.values(), key=lambda lap: (lap.car_id, lap.lap_no)) == list(batch.laps)
    resumed, _ = fold(start(corrected, arrival[:cut]), arrival[cut:])
    assert result(resumed) == batch


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions())
def test_the_array_form_equals_the_per_crossing_batch_and_the_fold(session):
    arrival, entered, options, corrections, moves = session
    plain = tuple(c for c in corrections if c.reason not in ("void", "minlap"))  # the array path's usual case
    for setup in (with_moves(setup_for(entered, corrections=corrections, **options), moves),
                  setup_for(entered, corrections=plain, **options),
                  setup_for(entered, corrections=plain, **{**options, "min_lap_us": 0})):
        batch = derive_session_per_crossing(arrival, setup)
        assert derive_session_arrays(arrival, setup) == batch
        assert result(fold(start(setup), arrival)[0]) == batch


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions())
def test_the_array_form_on_columns_equals_the_per_crossing_batch(session):
    """A bulk decode's columns, derived with no object per passing, give the batch's result; the
    column-backed verdicts and laps read exactly as the batch's tuples."""
    arrival, entered, options, corrections, moves = session
    if not arrival:
        return
    columns = PassingColumns.from_passings(arrival)
    kept = tuple(c for c in corrections if c.reason in ("penalty", "delete", "status", "assign"))  # kept on columns
    for setup in (setup_for(entered, corrections=kept, **options),
                  setup_for(entered, corrections=kept, **{**options, "min_lap_us": 0}),
                  with_moves(setup_for(entered, corrections=corrections, **options), moves)):
        batch = derive_session_per_crossing(arrival, setup)
        on_columns = derive_session_columns(columns, setup)
        assert on_columns == batch
        assert tuple(on_columns.verdicts) == batch.verdicts and tuple(on_columns.laps) == batch.laps
        assert on_columns.verdicts[-1:] == batch.verdicts[-1:] and on_columns.laps[::2] == batch.laps[::2]
    unique = len({(p.passing_number, p.decoder_time_us) for p in arrival}) == len(arrival)
    if unique and len(arrival) >= 2:  # this session was derived on its columns, not from objects
        assert isinstance(derive_session_columns(columns, setup_for(entered, corrections=kept, **options)).laps,
                          LapColumns)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions())
def test_the_flag_at_the_leaders_last_lap_is_the_same_in_every_form_and_kept_by_its_setup(session):
    """A replayed race with nothing to end it: the array forms (passings and columns) put the flag where the
    per-crossing batch does, and the setup the result carries gives that result again, batch and fold."""
    arrival, entered, options, corrections, moves = session
    if not arrival:
        return
    kept = tuple(c for c in corrections if c.reason in ("penalty", "delete", "status", "assign"))
    setup = setup_for(entered, corrections=kept, **{**options, "checkered_us": None})
    batch = derive_session_per_crossing(arrival, setup, flag_at_leader=True)
    assert derive_session_arrays(arrival, setup, flag_at_leader=True) == batch
    assert derive_session_columns(PassingColumns.from_passings(arrival), setup, flag_at_leader=True) == batch
    assert derive_session_per_crossing(arrival, batch.setup) == batch
    assert result(fold(start(batch.setup), arrival)[0]) == batch
    if batch.setup != setup:  # the flag fell as the leader completed its last lap, and the leader took it
        leader = batch.standings[0]
        assert leader.status is CarStatus.FINISHED
        assert batch.finish_at_us == batch.setup.markers.checkered_us == max(
            lap.crossing_us for lap in batch.laps if lap.car_id == leader.car_id)
    else:
        assert batch.finish_at_us is not None or not any(row.laps for row in batch.standings if row.status.classified)


FINISHED_A_LAP_DOWN = [(1, 0), (2, 1), (3, 2), (1, 60), (2, 62), (3, 90), (1, 120), (2, 123), (1, 180), (3, 181),
                       (2, 185)]


@settings(max_examples=100, deadline=None)
@given(st.permutations(range(len(FINISHED_A_LAP_DOWN))))
def test_a_car_that_took_the_flag_a_lap_down_ahead_on_the_road_ends_a_lap_behind_in_every_form(order):
    """Car 3 takes the flag (falling at 170) on lap 2 before car 2 finishes lap 3: whatever order the
    passings arrive in, the fold ends with the batch's standings and car 3 is +1 L behind car 2."""
    passings = [passing(t, T0 + at * S, n + 1) for n, (t, at) in enumerate(FINISHED_A_LAP_DOWN)]
    arrival = [passings[i] for i in order]
    setup = setup_for([1, 2, 3], session_type=SessionType.RACE, checkered_us=T0 + 170 * S)
    batch = derive_session(arrival, setup)
    assert derive_session_arrays(arrival, setup) == batch
    initial = start(setup)
    final, events = fold(initial, arrival)
    assert final.standings == batch.standings
    subscriber = Subscriber(initial)
    subscriber.apply(events)
    assert tuple(subscriber.standings()) == batch.standings
    last = batch.standings[-1]
    assert (last.number, last.interval.laps, last.gap.laps) == ("3", 1, 1)
