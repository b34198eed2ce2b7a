"""Standings: order, gaps and intervals, best-lap marks and statuses, checked by hand-worked examples."""

from __future__ import annotations

from laptiming.engine import (
    CarStatus,
    Correction,
    SessionType,
    SetStatus,
    derive_session,
)
from laptiming.timefmt import format_gap
from tests.timing.timing_builders import T0, S, numbered, setup_for


def rows_by_number(result):
    return {row.number: row for row in result.standings}


def test_practice_ranks_by_best_lap_and_a_tie_goes_to_whoever_set_it_first():
    crossings = (
        [(1, T0 + t * S) for t in (0, 62, 122)]  # laps 62, 60 (60 set at 122)
        + [(2, T0 + t * S) for t in (1, 61, 125)]  # laps 60 (set at 61), 64
        + [(3, T0 + t * S) for t in (2, 70, 140)]  # laps 68, 70
    )
    result = derive_session(numbered(crossings), setup_for([1, 2, 3]))
    assert [row.number for row in result.standings] == ["2", "1", "3"]
    leader, second, third = result.standings
    assert (leader.best_lap_us, leader.best_lap_no) == (60 * S, 1)
    assert (second.best_lap_us, second.best_lap_no) == (60 * S, 2)
    assert format_gap(second.gap) == "+0.000" and format_gap(second.interval) == "+0.000"
    assert format_gap(third.gap) == "+8.000" and format_gap(third.interval) == "+8.000"
    assert leader.gap is None and leader.interval is None
    assert leader.session_best and not second.session_best
    assert second.personal_best and not leader.personal_best  # car 2's last lap (64) is not its best


def test_race_ranks_by_laps_then_time_with_gaps_at_the_same_lap_and_lapped_cars():
    crossings = (
        [(1, T0 + t * S) for t in (0, 60, 120, 180)]
        + [(2, T0 + t * S) for t in (1, 62, 123, 185_500_000 / S)]
        + [(3, T0 + t * S) for t in (2, 90, 181)]  # lap 2 done after the leader's lap 3: lapped
    )
    crossings = [(t, int(time_us)) for t, time_us in crossings]
    result = derive_session(numbered(crossings), setup_for([1, 2, 3], session_type=SessionType.RACE))
    assert [row.number for row in result.standings] == ["1", "2", "3"]
    rows = rows_by_number(result)
    assert (rows["1"].laps, rows["2"].laps, rows["3"].laps) == (3, 3, 2)
    assert format_gap(rows["2"].gap) == "+5.500"  # completed lap 3 at 185.5 vs 180
    assert format_gap(rows["2"].interval) == "+5.500"
    assert format_gap(rows["3"].gap) == "+1 L"
    assert format_gap(rows["3"].interval) == "+58.000"  # not lapped by car 2, whose lap 3 came at 185.5


def test_a_car_that_took_the_flag_a_lap_down_is_a_lap_behind_the_car_ahead_once_that_car_finishes():
    # Checkered at 170: car 1 wins on lap 3 (180). Car 3 takes the flag on lap 2 (181), ahead on the road
    # of car 2, which finishes lap 3 at 185.5. At the same lap number car 3 was 58 s behind car 2, but
    # the race is over for both and car 2 finished a lap more: the interval is a lap, as the gap is.
    crossings = (
        [(1, T0 + t * S) for t in (0, 60, 120, 180)]
        + [(2, T0 + t * S) for t in (1, 62, 123, 185.5)]
        + [(3, T0 + t * S) for t in (2, 90, 181)]
    )
    crossings = [(t, int(time_us)) for t, time_us in crossings]
    setup = setup_for([1, 2, 3], session_type=SessionType.RACE, checkered_us=T0 + 170 * S)
    result = derive_session(numbered(crossings), setup)
    rows = rows_by_number(result)
    assert [row.number for row in result.standings] == ["1", "2", "3"]
    assert {row.status for row in result.standings} == {CarStatus.FINISHED}
    assert format_gap(rows["3"].gap) == "+1 L"
    assert format_gap(rows["3"].interval) == "+1 L"
    # While car 2 still runs (its lap 3 not yet done) car 3's interval is the time at lap 2, as before.
    before = derive_session(numbered(crossings[:-4] + crossings[-3:]), setup)
    assert format_gap(rows_by_number(before)["3"].interval) == "+58.000"


def test_a_car_behind_on_the_lead_lap_keeps_its_time_gap_when_the_leader_crosses_first():
    # Car 2 completed lap 2 at 178, before the leader completed lap 3 (180): on the lead lap.
    crossings = [(1, T0 + t * S) for t in (0, 60, 120, 180)] + [(2, T0 + t * S) for t in (2, 90, 178)]
    result = derive_session(numbered(crossings), setup_for([1, 2], session_type=SessionType.RACE))
    assert [row.laps for row in result.standings] == [3, 2]
    assert format_gap(result.standings[1].gap) == "+58.000"


def test_a_car_that_opened_earlier_can_be_ahead_at_the_same_lap_number():
    # Car 2 left the pits 20 s earlier: its lap 1 was done before the leader's, who has 2 laps now.
    crossings = [(2, T0), (2, T0 + 96 * S), (1, T0 + 20 * S), (1, T0 + 106 * S), (1, T0 + 191 * S)]
    result = derive_session(numbered(crossings), setup_for([1, 2], session_type=SessionType.RACE))
    assert [(row.number, row.laps) for row in result.standings] == [("1", 2), ("2", 1)]
    # It was 10 s in front at lap 1; how far behind it is now is known only when it crosses again:
    # no gap rather than -10.000, which read as ahead of the leader.
    assert result.standings[1].gap is None and result.standings[1].interval is None
    later = derive_session(numbered([*crossings, (2, T0 + 193 * S)]), setup_for([1, 2], session_type=SessionType.RACE))
    assert format_gap(later.standings[1].gap) == "+2.000"


def test_race_gap_from_a_minute_up_is_shown_as_minutes():
    crossings = [(1, T0), (1, T0 + 60 * S), (2, T0 + 1), (2, T0 + 135_250_999)]
    result = derive_session(numbered(crossings), setup_for([1, 2], session_type=SessionType.RACE))
    assert format_gap(result.standings[1].gap) == "+1:15.250"


def test_non_finishers_come_after_finishers_in_dnf_dns_dsq_order_and_dns_is_automatic_at_close():
    crossings = (
        [(1, T0 + t * S) for t in (0, 60, 120)]
        + [(2, T0 + t * S) for t in (1, 58, 117)]
        + [(3, T0 + t * S) for t in (2, 50, 100)]
    )
    corrections = (
        Correction(1, SetStatus(3, CarStatus.DSQ), reason="unsafe release"),
        Correction(2, SetStatus(2, CarStatus.DNF), reason="oil leak"),
    )
    setup = setup_for([1, 2, 3, 4], session_type=SessionType.RACE, closed=True, corrections=corrections)
    result = derive_session(numbered(crossings), setup)
    assert [(row.number, row.status) for row in result.standings] == [
        ("1", CarStatus.RUNNING),
        ("2", CarStatus.DNF),
        ("4", CarStatus.DNS),
        ("3", CarStatus.DSQ),
    ]
    assert [(row.gap, row.interval) for row in result.standings[1:]] == [(None, None)] * 3  # not classified
    assert rows_by_number(result)["3"].status_reason == "unsafe release"
    assert rows_by_number(result)["2"].status_reason == "oil leak"


def test_setting_running_takes_a_status_back():
    crossings = [(1, T0), (1, T0 + 60 * S)]
    corrections = (
        Correction(1, SetStatus(1, CarStatus.DNF), reason="stopped"),
        Correction(2, SetStatus(1, CarStatus.RUNNING), reason="it restarted"),
    )
    result = derive_session(numbered(crossings), setup_for([1], corrections=corrections))
    assert result.standings[0].status is CarStatus.RUNNING
    assert result.standings[0].status_reason == ""


def test_rows_carry_number_driver_class_and_transponder():
    result = derive_session(numbered([(7, T0)]), setup_for([7], drivers={7: "Ada"}))
    [row] = result.standings
    assert (row.number, row.driver, row.car_class, row.transponders) == ("7", "Ada", "GT", (7,))
    assert (row.laps, row.last_lap_us, row.best_lap_us, row.best_lap_no) == (0, None, None, None)


def test_a_closed_practice_is_over_for_everyone_but_a_race_wants_the_flag():
    crossings = [(1, T0 + k * 90 * S) for k in range(4)] + [(2, T0 + 5 * S + k * 95 * S) for k in range(3)]
    practice = derive_session(numbered(crossings), setup_for([1, 2, 3], closed=True))
    assert [(row.number, row.status) for row in practice.standings] == [
        ("1", CarStatus.FINISHED), ("2", CarStatus.FINISHED), ("3", CarStatus.DNS)]
    still_open = derive_session(numbered(crossings), setup_for([1, 2, 3]))
    assert {row.status for row in still_open.standings} == {CarStatus.RUNNING}
    race = derive_session(numbered(crossings), setup_for([1, 2, 3], session_type=SessionType.RACE, closed=True))
    assert [row.status for row in race.standings] == [CarStatus.RUNNING, CarStatus.RUNNING, CarStatus.DNS]


def test_only_classified_cars_have_a_classified_position():
    crossings = [(1, T0 + t * S) for t in (0, 60, 120)] + [(2, T0 + t * S) for t in (1, 58, 117)] + [(3, T0 + 2 * S)]
    corrections = (Correction(1, SetStatus(1, CarStatus.DNF), reason="stopped"),)
    setup = setup_for([1, 2, 3, 4], session_type=SessionType.RACE, closed=True, corrections=corrections)
    result = derive_session(numbered(crossings), setup)
    assert [(row.number, row.position, row.classified_position, row.status) for row in result.standings] == [
        ("2", 1, 1, CarStatus.RUNNING),
        ("3", 2, 2, CarStatus.RUNNING),
        ("1", 3, None, CarStatus.DNF),  # placed after the running cars, but not classified
        ("4", 4, None, CarStatus.DNS),
    ]


def test_a_car_whose_first_crossing_comes_after_the_finish_time_did_not_start():
    # The duration runs out at T0 + 30 s; car 2 reaches the line for the first time only at T0 + 40 s.
    crossings = [(1, T0), (1, T0 + 35 * S), (2, T0 + 40 * S)]
    for session_type in (SessionType.RACE, SessionType.PRACTICE):
        setup = setup_for([1, 2], session_type=session_type, duration_us=30 * S, closed=True)
        rows = rows_by_number(derive_session(numbered(crossings), setup))
        assert (rows["1"].laps, rows["1"].status) == (1, CarStatus.FINISHED)
        assert (rows["2"].laps, rows["2"].status, rows["2"].classified_position) == (0, CarStatus.DNS, None)
    still_open = derive_session(numbered(crossings), setup_for([1, 2], session_type=SessionType.RACE,
                                                               duration_us=30 * S))
    assert rows_by_number(still_open)["2"].status is CarStatus.RUNNING  # as a car not yet seen, until it closes


def test_a_practice_car_that_completed_no_lap_is_dns_once_the_session_closes_not_finished():
    """Car 2 crossed before the green and once after it (opening its timing) but never completed a lap."""
    crossings = [(1, T0), (1, T0 + 60 * S), (2, T0 - 5 * S), (2, T0 + 5 * S), (3, T0 + 2 * S), (3, T0 + 70 * S)]
    for session_type in (SessionType.PRACTICE, SessionType.QUALIFYING):
        closed = derive_session(numbered(crossings), setup_for([1, 2, 3], session_type=session_type, closed=True))
        assert [(r.number, r.laps, r.status, r.classified_position, r.best_lap_us) for r in closed.standings] == [
            ("1", 1, CarStatus.FINISHED, 1, 60 * S),
            ("3", 1, CarStatus.FINISHED, 2, 68 * S),
            ("2", 0, CarStatus.DNS, None, None),  # last, with no time and no position
        ]
        still_open = derive_session(numbered(crossings), setup_for([1, 2, 3], session_type=session_type))
        assert rows_by_number(still_open)["2"].status is CarStatus.RUNNING  # it may yet set a time
    race = derive_session(numbered(crossings), setup_for([1, 2, 3], session_type=SessionType.RACE, closed=True))
    assert rows_by_number(race)["2"].status is CarStatus.RUNNING  # a race asks each car to take the flag: unchanged
