"""The roster validator: a valid hand-made roster passes; each broken hard rule is caught."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta

import pytest

from scheduler.check import Rule, check_roster
from scheduler.errors import ScheduleInputError
from scheduler.entries import read_entries
from scheduler.plan import read_plan
from scheduler.roster import RosterRow, read_roster, write_roster
from schedule_helpers import entry, write_entries

SLOT = {n: datetime(2026, 6, 13, 8) + timedelta(minutes=20 * (n - 1)) for n in range(1, 7)}
SLOT.update({n: datetime(2026, 6, 13, 10, 20) + timedelta(minutes=20 * (n - 7)) for n in range(7, 12)})

ROWS = [
    entry("D1", skill="novice"),
    entry("D2", skill="advanced"),
    entry("D3", car="C3", number="3", transponder="93"),
    entry("D4", car="C3", number="3", transponder="93"),
    entry("D5", car_class="Electric"),
    entry("D6", available_from="2026-06-13 10:20"),
]
# D3 and D4 share car C3, never in slots that follow each other directly (no time to swap).
VALID = {"D1": (1, 4), "D2": (2, 5), "D3": (1, 4), "D4": (8, 11), "D5": (3, 6), "D6": (7, 10)}


@pytest.fixture
def event(event_files):
    entries_path, plan_path = event_files(ROWS)
    return read_entries(entries_path), read_plan(plan_path)


def _row(entries, driver_id: str, session: int, start: datetime | None = None) -> RosterRow:
    e = next(x for x in entries if x.driver_id == driver_id)
    begin = start or SLOT[session]
    return RosterRow(str(session), begin, begin + timedelta(minutes=15), e.driver_id, e.driver, e.car_id,
                     e.car_number, e.transponder, e.car_class, e.skill.value if e.skill else "", e.group)


def _roster(entries, assignment: dict[str, tuple[int, ...]]) -> list[RosterRow]:
    return [_row(entries, d, s) for d, sessions in assignment.items() for s in sessions]


def _rules(violations) -> set[Rule]:
    return {v.rule for v in violations}


def test_the_hand_made_roster_is_valid_and_survives_a_csv_round_trip(event, tmp_path):
    entries, plan = event
    rows = _roster(entries, VALID)
    assert check_roster(rows, entries, plan) == []
    write_roster(tmp_path / "r.csv", rows)
    again = read_roster(tmp_path / "r.csv")
    assert [dataclasses.replace(r, line=0) for r in again] == rows
    assert check_roster(again, entries, plan) == []


def test_capacity(event):
    entries, plan = event
    violations = check_roster(_roster(entries, VALID), entries, dataclasses.replace(plan, capacity=1))
    assert _rules(violations) == {Rule.CAPACITY}
    assert str(violations[0]) == "session 1: [capacity] 2 cars on track, capacity is 1"


def test_a_car_at_most_once_per_session(event):
    entries, plan = event
    violations = check_roster(_roster(entries, {**VALID, "D4": (1, 5)}), entries, plan)
    assert Rule.CAR_ONCE in _rules(violations)
    assert any("car 'C3' is in the session 2 times (D3, D4)" in v.message for v in violations)


def test_exact_run_count(event):
    entries, plan = event
    short = check_roster(_roster(entries, {**VALID, "D6": (7,)}), entries, plan)
    assert _rules(short) == {Rule.RUNS}
    assert short[0].message == "D6 has 1 runs, needs exactly 2"
    extra = check_roster(_roster(entries, {**VALID, "D6": (7, 10, 11)}), entries, plan)
    assert Rule.RUNS in _rules(extra)
    missing = check_roster(_roster(entries, {k: v for k, v in VALID.items() if k != "D1"}), entries, plan)
    assert [v.message for v in missing] == ["D1 has 0 runs, needs exactly 2"]


def test_availability_window(event):
    entries, plan = event
    violations = check_roster(_roster(entries, {**VALID, "D6": (2, 10)}), entries, plan)
    assert _rules(violations) == {Rule.WINDOW}
    assert violations[0].message == "D6 is available 2026-06-13 10:20 to end only"


def test_minimum_rest(event):
    entries, plan = event
    violations = check_roster(_roster(entries, {**VALID, "D6": (7, 8)}), entries, plan)
    assert _rules(violations) == {Rule.REST}
    assert violations[0].message == "D6 rests 5 min after session 7, needs 40"
    twice = check_roster(_roster(entries, {**VALID, "D6": (7, 7)}), entries, plan)
    assert any(v.rule == Rule.REST and "listed twice" in v.message for v in twice)


def test_never_together_skills(event):
    entries, plan = event
    violations = check_roster(_roster(entries, {**VALID, "D2": (1, 5)}), entries, plan)
    assert _rules(violations) == {Rule.NEVER_TOGETHER}
    assert violations[0].message == "novice (D1) and advanced (D2) share the session"


def test_separate_classes(event):
    entries, plan = event
    violations = check_roster(_roster(entries, {**VALID, "D5": (1, 6)}), entries, plan)
    assert _rules(violations) == {Rule.SEPARATE_CLASS}
    assert violations[0].message == "Electric runs only among itself, the session mixes Electric, Standard"


@pytest.mark.parametrize(("start", "expected"), [
    (datetime(2026, 6, 13, 9, 55), "overlaps the break 10:00-10:20"),
    (datetime(2026, 6, 13, 11, 50), "is outside the track day 08:00-12:00"),
    (datetime(2026, 6, 13, 8, 10), "is not one of the plan's session slots"),
    (datetime(2026, 6, 14, 8, 0), "is not on a track day of the plan"),
])
def test_sessions_must_be_plan_slots(event, start, expected):
    entries, plan = event
    rows = [r for r in _roster(entries, VALID) if r.driver_id != "D6"]
    rows += [_row(entries, "D6", 12, start), _row(entries, "D6", 10)]
    violations = [v for v in check_roster(rows, entries, plan) if v.rule == Rule.SLOT]
    assert violations and all(v.session == "12" for v in violations)
    assert any(expected in v.message for v in violations)


def test_rows_that_disagree_with_the_entries_or_name_unknown_drivers(event):
    entries, plan = event
    rows = _roster(entries, VALID)
    rows[0] = dataclasses.replace(rows[0], car_number="99")
    rows.append(dataclasses.replace(rows[1], driver_id="D77"))
    violations = check_roster(rows, entries, plan)
    assert {Rule.ENTRY_MISMATCH, Rule.DRIVER_UNKNOWN} <= _rules(violations)
    assert any(v.message == "D1: car_number is '99', the entries say 'D1'" for v in violations)


def test_one_name_per_session(event):
    entries, plan = event
    rows = _roster(entries, VALID)
    rows[0] = dataclasses.replace(rows[0], session="A")
    violations = check_roster(rows, entries, plan)
    assert _rules(violations) == {Rule.SESSION}


def test_a_shared_car_straight_back_out_with_another_driver_is_named_at_its_line(event, tmp_path):
    entries, plan = event
    write_roster(tmp_path / "r.csv", _roster(entries, {**VALID, "D4": (2, 5)}))
    rows = read_roster(tmp_path / "r.csv")
    violations = check_roster(rows, entries, plan)
    assert _rules(violations) == {Rule.SHARED_CAR_ADJACENT}
    line = {r.session: r.line for r in rows if r.driver_id == "D4"}
    assert [str(v) for v in violations] == [
        f"line {line['2']}: session 2: [shared-car-adjacent] car 'C3' goes straight back out with another driver: "
        "D3 in session 1, then D4 in session 2, no time to swap "
        "(sessions.shared_car_back_to_back = true allows a swap in the pit lane)",
        f"line {line['5']}: session 5: [shared-car-adjacent] car 'C3' goes straight back out with another driver: "
        "D3 in session 4, then D4 in session 5, no time to swap "
        "(sessions.shared_car_back_to_back = true allows a swap in the pit lane)"]


def test_a_swap_in_the_pit_lane_allows_a_shared_car_back_to_back(event):
    entries, plan = event
    rows = _roster(entries, {**VALID, "D4": (2, 5)})
    assert check_roster(rows, entries, dataclasses.replace(plan, shared_car_back_to_back=True)) == []


def test_a_shared_car_either_side_of_the_break_is_not_back_to_back(event):
    entries, plan = event
    # Session 6 ends 09:55, the break runs 10:00-10:20, session 7 starts 10:20.
    rows = _roster(entries, {**VALID, "D3": (1, 6), "D4": (7, 10), "D5": (3, 9)})
    assert check_roster(rows, entries, plan) == []


def test_a_roster_whose_times_a_spreadsheet_rewrote_is_said_in_a_few_lines(event, tmp_path):
    """A roster opened in Excel and saved again has every time as 13/06/2026 08:00: that was two lines per run
    (236 for a 117-run roster), the same mistake over and over. Now the first two and one line for the rest,
    saying what happened and how to save it right."""
    entries, _ = event
    path = tmp_path / "r.csv"
    write_roster(path, _roster(entries, VALID))
    text = path.read_text(encoding="utf-8")
    for slot in SLOT.values():
        text = text.replace(f"{slot:%Y-%m-%d %H:%M}", f"{slot:%d/%m/%Y %H:%M}")
        text = text.replace(f"{slot + timedelta(minutes=15):%Y-%m-%d %H:%M}",
                            f"{slot + timedelta(minutes=15):%d/%m/%Y %H:%M}")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScheduleInputError) as caught:
        read_roster(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:2: column 'start': '13/06/2026 08:00' is not a time like 2026-06-13 08:00 (YYYY-MM-DD HH:MM)",
        f"{path}:2: column 'end': '13/06/2026 08:15' is not a time like 2026-06-13 08:00 (YYYY-MM-DD HH:MM)",
        f"{path}:3: 22 more start and end times are not like 2026-06-13 08:00 either (lines 3 to 13): a spreadsheet "
        "that opened the roster may have rewritten them; format those columns as yyyy-mm-dd hh:mm and save "
        "as CSV UTF-8 again"]


def test_a_few_bad_times_are_each_named(event, tmp_path):
    entries, _ = event
    path = tmp_path / "r.csv"
    write_roster(path, _roster(entries, VALID))
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("2026-06-13 ", "13.6.", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ScheduleInputError) as caught:
        read_roster(path)
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (4, "start")
    assert problem.message.endswith("' is not a time like 2026-06-13 08:00 (YYYY-MM-DD HH:MM)")
    assert problem.message.startswith("'13.6.")


def test_times_a_spreadsheet_wrote_back_with_seconds_are_read(event, tmp_path):
    """Google Sheets and LibreOffice save a time cell as 2026-06-13 08:00:00: every line of a roster (and every
    window in the entries) was 'not a time like 2026-06-13 08:00'. Whole minutes with ':00' seconds are the same
    time; a time between minutes still is not."""
    entries, plan = event
    path = tmp_path / "r.csv"
    write_roster(path, _roster(entries, VALID))
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0], *(re.sub(r"(\d\d:\d\d)(?=,)", r"\1:00", line) for line in lines[1:])])
                    + "\n", encoding="utf-8")
    assert ":00:00," in path.read_text(encoding="utf-8")
    again = read_roster(path)
    assert [dataclasses.replace(r, line=0) for r in again] == _roster(entries, VALID)
    assert check_roster(again, entries, plan) == []
    path.write_text(path.read_text(encoding="utf-8").replace(":00:00,", ":00:30,", 1), encoding="utf-8")
    with pytest.raises(ScheduleInputError) as caught:
        read_roster(path)
    assert "is not a time like 2026-06-13 08:00" in str(caught.value.problems[0])


def test_an_entries_window_with_seconds_is_read(tmp_path):
    path = write_entries(tmp_path / "e.csv", [entry("D1", available_from="2026-06-13 09:00:00",
                                                    available_until="2026-06-13 11:40:00")])
    (only,) = read_entries(path)
    assert (only.available_from, only.available_until) == (datetime(2026, 6, 13, 9), datetime(2026, 6, 13, 11, 40))


def test_a_session_rule_broken_by_an_edited_row_is_said_at_that_row(event_files, tmp_path):
    """An advanced driver moved by hand into a full novice session, their row left where it was in the file: both
    broken rules were said at the session's first line (a novice's row, untouched), not at the row that broke them
    -- the 26th car, the one advanced driver among novices."""
    rows = [entry("N1", skill="novice"), entry("N2", skill="novice"), entry("I1"), entry("I2"),
            entry("A1", skill="advanced")]
    entries_path, plan_path = event_files(rows)
    entries, plan = read_entries(entries_path), read_plan(plan_path)
    by_id = {e.driver_id: e for e in entries}
    runs = [("N1", 1), ("N2", 1), ("I1", 1), ("I2", 1), ("A1", 3), ("N1", 4), ("N2", 4), ("I1", 4), ("I2", 7),
            ("A1", 1)]  # A1's second run, edited into session 1, is the last line (11)
    roster = [RosterRow(str(s), SLOT[s], SLOT[s] + timedelta(minutes=15), d, by_id[d].driver, by_id[d].car_id,
                        by_id[d].car_number, by_id[d].transponder, by_id[d].car_class,
                        by_id[d].skill.value if by_id[d].skill else "", "") for d, s in runs]
    path = tmp_path / "edited.csv"
    write_roster(path, roster)
    lines = path.read_text(encoding="utf-8").splitlines()
    # Rows by driver, as a hand-kept sheet might be, and the edited run last: session 1 is lines 3, 5, 7, 9 and 11.
    path.write_text("\n".join([lines[0], *sorted(lines[1:-1], key=lambda l: l.split(",")[3]), lines[-1]]) + "\n",
                    encoding="utf-8")
    said = [str(v) for v in check_roster(read_roster(path), entries, plan) if v.session == "1"]
    assert "line 11: session 1: [capacity] 5 cars on track, capacity is 4" in said
    assert "line 11: session 1: [never-together] novice (N1, N2) and advanced (A1) share the session" in said
