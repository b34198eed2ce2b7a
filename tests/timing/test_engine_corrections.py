"""Corrections as pure inputs: each kind changes the result exactly as an official expects."""

from __future__ import annotations

import pytest

from laptiming.engine import (
    MANUAL_DECODER_ID,
    AddPassing,
    AssignTransponder,
    CarStatus,
    Correction,
    DeleteLap,
    LapFlag,
    PassingReason,
    SessionType,
    SetMinLap,
    SetStatus,
    TimePenalty,
    VoidPassing,
    derive_session,
)
from laptiming.timefmt import format_gap
from tests.timing.timing_builders import DECODER, T0, S, numbered, setup_for


def lap_times(result, car_id):
    return [lap.lap_time_us for lap in result.laps if lap.car_id == car_id]


def test_add_a_passing_the_loop_missed_splits_the_long_lap():
    passings = numbered([(7, T0), (7, T0 + 60 * S), (7, T0 + 180 * S)])
    before = derive_session(passings, setup_for([7]))
    assert lap_times(before, 7) == [60 * S, 120 * S]
    fix = Correction(1, AddPassing(7, T0 + 121 * S), reason="loop missed it, video shows the car")
    after = derive_session(passings, setup_for([7], corrections=(fix,)))
    assert lap_times(after, 7) == [60 * S, 61 * S, 59 * S]
    added = [v for v in after.verdicts if v.passing.decoder_id == MANUAL_DECODER_ID]
    assert [(v.passing.passing_number, v.reason) for v in added] == [(1, PassingReason.LAP)]


def test_void_a_passing_merges_the_laps_around_it():
    passings = numbered([(7, T0), (7, T0 + 30 * S), (7, T0 + 90 * S)])
    void = Correction(1, VoidPassing(DECODER, passings[1].passing_number), reason="pit lane read")
    result = derive_session(passings, setup_for([7], corrections=(void,)))
    assert lap_times(result, 7) == [90 * S]
    assert [v.reason for v in result.verdicts] == [
        PassingReason.OPENED,
        PassingReason.VOIDED,
        PassingReason.LAP,
    ]


def test_void_with_a_time_names_only_that_passing_after_a_counter_reset():
    passings = numbered([(7, T0), (7, T0 + 60 * S)]) + numbered([(7, T0 + 120 * S)], first_number=1)
    void = Correction(1, VoidPassing(DECODER, 1, T0 + 120 * S))
    result = derive_session(passings, setup_for([7], corrections=(void,)))
    assert [v.reason for v in result.verdicts] == [
        PassingReason.OPENED,
        PassingReason.LAP,
        PassingReason.VOIDED,
    ]


def test_time_penalty_moves_a_car_down_in_a_race():
    crossings = [(1, T0 + t * S) for t in (0, 60, 120)] + [(2, T0 + t * S) for t in (1, 62, 124)]
    race = setup_for([1, 2], session_type=SessionType.RACE)
    assert [r.number for r in derive_session(numbered(crossings), race).standings] == ["1", "2"]
    penalty = Correction(1, TimePenalty(1, 5 * S), reason="jump start")
    result = derive_session(numbered(crossings), setup_for([1, 2], session_type=SessionType.RACE, corrections=(penalty,)))
    assert [r.number for r in result.standings] == ["2", "1"]
    assert format_gap(result.standings[1].gap) == "+1.000"
    assert result.standings[1].penalty_us == 5 * S


def test_delete_a_lap_strikes_its_time_from_best_but_keeps_the_distance():
    crossings = [(7, T0 + t * S) for t in (0, 55, 115, 175)]
    delete = Correction(1, DeleteLap(7, crossing_us=T0 + 55 * S, lap_no=1), reason="track limits T4")
    result = derive_session(numbered(crossings), setup_for([7], corrections=(delete,)))
    [row] = result.standings
    assert row.laps == 3
    assert (row.best_lap_us, row.best_lap_no) == (60 * S, 2)
    assert LapFlag.DELETED in result.laps[0].flags


def test_assign_an_unknown_transponder_makes_its_earlier_passings_count():
    passings = numbered([(7, T0), (99, T0 + 1 * S), (7, T0 + 60 * S), (99, T0 + 62 * S)])
    before = derive_session(passings, setup_for([7, 8]))
    assert lap_times(before, 8) == []
    assign = Correction(1, AssignTransponder(99, 8), reason="spare transponder in car 8")
    after = derive_session(passings, setup_for([7, 8], corrections=(assign,)))
    assert lap_times(after, 8) == [61 * S]
    assert after.unknown == ()


def test_change_min_lap_recounts_the_session():
    passings = numbered([(7, T0), (7, T0 + 8 * S), (7, T0 + 68 * S)])
    strict = derive_session(passings, setup_for([7], min_lap_us=10 * S))
    assert lap_times(strict, 7) == [68 * S]
    relaxed = Correction(1, SetMinLap(5 * S), reason="short kart layout")
    result = derive_session(passings, setup_for([7], min_lap_us=10 * S, corrections=(relaxed,)))
    assert lap_times(result, 7) == [8 * S, 60 * S]


def test_later_corrections_win_over_earlier_ones_of_the_same_kind():
    passings = numbered([(7, T0), (7, T0 + 8 * S), (7, T0 + 68 * S)])
    corrections = (Correction(2, SetMinLap(20 * S)), Correction(1, SetMinLap(5 * S)))
    result = derive_session(passings, setup_for([7], corrections=corrections))
    assert lap_times(result, 7) == [68 * S]


def test_finished_cannot_be_set_by_hand():
    with pytest.raises(ValueError):
        SetStatus(1, CarStatus.FINISHED)
