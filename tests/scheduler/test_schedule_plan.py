"""The plan file: parsed into a Plan, the slot grid, and every bad value located by line."""

from __future__ import annotations

from datetime import datetime

import pytest

from scheduler.errors import ScheduleInputError
from scheduler.grid import back_to_back_pairs, build_slots, rest_conflicts
from scheduler.model import Skill
from scheduler.plan import parse_plan
from schedule_helpers import SMALL_PLAN

ISSUE_PLAN = """\
[event]
name = "June day"
[[days]]
date = "2026-06-13"
start = "08:00"
end = "18:30"
breaks = [["12:00", "13:00"]]
[sessions]
length_minutes = 15
changeover_minutes = 5
capacity = 25
[drivers]
runs = 3
min_rest_minutes = 40
[rules]
never_together = [["novice", "advanced"]]
separate_classes = ["Electric"]
"""


def test_issue_plan_is_read_with_every_field():
    plan = parse_plan(ISSUE_PLAN, "plan.toml")
    assert plan.event_name == "June day"
    assert plan.capacity == 25 and plan.runs == 3 and plan.min_rest_minutes == 40
    assert plan.session_minutes == 15 and plan.changeover_minutes == 5
    assert plan.never_together == ((Skill.NOVICE, Skill.ADVANCED),)
    assert plan.separate_classes == ("Electric",)
    assert plan.keeps_apart(Skill.ADVANCED, Skill.NOVICE)
    assert not plan.keeps_apart(Skill.NOVICE, Skill.INTERMEDIATE)
    assert plan.separate_class_key("electric") == "electric"


def test_slots_follow_each_other_and_restart_after_the_break():
    slots = build_slots(parse_plan(ISSUE_PLAN, "plan.toml"))
    starts = [s.start.strftime("%H:%M") for s in slots]
    # 08:00 ... 11:40 (12 slots, the 11:40 one ends 11:55), then 13:00 ... 18:00 (ends 18:15).
    assert starts[:2] == ["08:00", "08:20"] and starts[11] == "11:40"
    assert starts[12] == "13:00" and starts[-1] == "18:00"
    assert len(slots) == 28
    assert [s.number for s in slots] == list(range(1, 29))
    assert all(s.end <= datetime(2026, 6, 13, 18, 30) for s in slots)
    assert not any(s.start < datetime(2026, 6, 13, 13) and s.end > datetime(2026, 6, 13, 12) for s in slots)


def test_a_slot_that_would_cross_the_break_is_dropped():
    plan = parse_plan(SMALL_PLAN.replace('[["10:00", "10:20"]]', '[["09:50", "10:20"]]'), "p.toml")
    starts = [s.start.strftime("%H:%M") for s in build_slots(plan)]
    assert "09:40" not in starts  # 09:40-09:55 overlaps 09:50
    assert starts[5] == "10:20"


def test_rest_conflicts_are_the_later_slots_inside_the_rest():
    slots = build_slots(parse_plan(ISSUE_PLAN, "plan.toml"))
    conflicts = rest_conflicts(slots, 40)
    # 08:00-08:15 + 40 min rest: next run may start at 09:00 (index 3).
    assert conflicts[0] == (1, 2)
    # 11:40-11:55 + 40 min = 12:35: the 13:00 slot is fine.
    assert conflicts[11] == ()


def test_slots_back_to_back_are_the_next_slot_of_the_same_stretch_of_the_day():
    second_day = '[[days]]\ndate = "2026-06-14"\nstart = "08:00"\nend = "08:40"\n\n[sessions]'
    plan = parse_plan(SMALL_PLAN.replace("[sessions]", second_day), "p.toml")
    slots = build_slots(plan)
    # Day one: 08:00 ... 09:40 (indices 0-5), the break, 10:20 ... 11:40 (6-10); day two: 08:00, 08:20 (11-12).
    assert [s.start.strftime("%d %H:%M") for s in slots[5:8]] == ["13 09:40", "13 10:20", "13 10:40"]
    pairs = back_to_back_pairs(slots, plan.changeover_minutes)
    assert pairs == ((0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (6, 7), (7, 8), (8, 9), (9, 10), (11, 12))


def test_a_shared_car_back_to_back_is_refused_unless_the_plan_allows_a_swap_in_the_pit_lane():
    assert parse_plan(SMALL_PLAN, "p.toml").shared_car_back_to_back is False
    allowed = SMALL_PLAN.replace("capacity = 4", "capacity = 4\nshared_car_back_to_back = true")
    assert parse_plan(allowed, "p.toml").shared_car_back_to_back is True
    problems = _problems(SMALL_PLAN.replace("capacity = 4", 'capacity = 4\nshared_car_back_to_back = "no"'))
    assert problems == ["plan.toml:14: column 'sessions.shared_car_back_to_back': "
                        "'shared_car_back_to_back' must be true or false, got 'no'"]


def _problems(text: str) -> list[str]:
    with pytest.raises(ScheduleInputError) as caught:
        parse_plan(text, "plan.toml")
    return [str(p) for p in caught.value.problems]


def test_bad_values_are_all_listed_with_their_lines():
    text = (ISSUE_PLAN.replace('start = "08:00"', 'start = "8 o\'clock"')
            .replace("capacity = 25", "capacity = 0")
            .replace('[["novice", "advanced"]]', '[["novice", "expert"]]')
            .replace("runs = 3", "runs = 3\nrest = 40"))
    problems = _problems(text)
    assert "plan.toml:5: column 'days.start': 'start' must be a time like \"08:00\", got \"8 o'clock\"" in problems
    assert "plan.toml:11: column 'sessions.capacity': 'capacity' must be at least 1, got 0" in problems
    assert any(p.startswith("plan.toml:14: column 'drivers.rest': unknown key 'rest'") for p in problems)
    assert any(p.startswith("plan.toml:17: column 'rules.never_together': unknown skill") for p in problems)


def test_break_outside_the_day_and_missing_tables_are_reported():
    problems = _problems(ISSUE_PLAN.replace('[["12:00", "13:00"]]', '[["18:00", "19:00"]]')
                         .replace("[sessions]\nlength_minutes = 15\nchangeover_minutes = 5\ncapacity = 25\n", ""))
    assert any("plan.toml:7: column 'days.breaks': break 18:00-19:00 is outside the day" in p for p in problems)
    assert any("column 'sessions': the plan needs a [sessions] table" in p for p in problems)


def test_invalid_toml_names_the_line():
    problems = _problems(ISSUE_PLAN.replace("capacity = 25", "capacity = = 25"))
    assert problems[0].startswith("plan.toml:11:")
    assert "not valid TOML" in problems[0]


def test_one_pair_written_without_its_outer_brackets_is_said_once_with_the_fix():
    """``never_together = ["novice", "advanced"]`` was two lines each saying a pair 'must look like ["novice",
    "advanced"]' -- what was typed -- with 'got 'novice'' and 'got 'advanced''."""
    problems = _problems(ISSUE_PLAN.replace('[["novice", "advanced"]]', '["novice", "advanced"]'))
    assert problems == ["plan.toml:16: column 'rules.never_together': never_together must be a list of pairs like "
                        "[[\"novice\", \"advanced\"]] (brackets twice), got ['novice', 'advanced']"]


@pytest.mark.parametrize("line, said", [('name = ""', "'name' must not be blank"),
                                        ('name = "   "', "'name' must not be blank"),
                                        ("", "'name' is required in [event]")])
def test_an_event_without_a_name_is_refused(line, said):
    """A blank or missing [event] name was taken: the summary began ': 40 drivers, ...' and --db blanked the event
    database's name on every printout."""
    problems = _problems(ISSUE_PLAN.replace('name = "June day"', line))
    assert [p for p in problems if "'event.name'" in p] == [f"plan.toml:{1 if not line else 2}: column 'event.name': "
                                                            f"{said}"]
