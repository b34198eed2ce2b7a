"""``laptiming schedule`` and ``laptiming schedule check`` as a user runs them (in-process; a real process where it matters)."""

from __future__ import annotations

import csv

import pytest

from scheduler.roster import ROSTER_COLUMNS
from scheduler.samples import EventSize, write_event
from schedule_helpers import SMALL_PLAN, entry, run_laptiming, run_laptiming_process, write_entries


laptiming = run_laptiming


def test_schedule_writes_the_roster_with_the_exact_columns_and_check_accepts_it(tmp_path):
    entries, plan = write_event(EventSize(drivers=60, seed=3), tmp_path)
    roster = tmp_path / "roster.csv"
    result = laptiming("schedule", entries, "--plan", plan, "--out", roster, "--time-limit", "5",
                       "--sheets", tmp_path / "sheets")
    assert result.returncode == 0, result.stderr
    with roster.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == ROSTER_COLUMNS == (
        "session", "start", "end", "driver_id", "driver", "car_id", "car_number", "transponder",
        "car_class", "skill", "group")
    assert rows[1][1].startswith("2026-06-13 ") and len(rows[1][1]) == len("2026-06-13 08:00")
    out = result.stdout
    assert "sessions used: " in out and "(lower bound " in out
    assert "runs unmet: 0" in out and "groups together: " in out and "solve time: " in out
    assert f"roster: {roster} ({len(rows) - 1} rows)" in out
    assert (tmp_path / "sheets" / "sessions.csv").read_text().startswith("session,start,end,cars,car_number")
    assert (tmp_path / "sheets" / "itineraries.csv").read_text().startswith("driver_id,driver,car_number,run")
    check = laptiming("schedule", "check", roster, "--entries", entries, "--plan", plan)
    assert check.returncode == 0, check.stdout
    assert "no broken rules" in check.stdout


@pytest.mark.solo  # the solver stops on deterministic work, with the wall clock as a net: it needs the CPUs
def test_two_runs_write_the_same_roster(tmp_path):
    entries, plan = write_event(EventSize(drivers=60, seed=8), tmp_path)
    for name in ("a.csv", "b.csv"):  # two processes: a roster that depended on str hashing would differ
        assert run_laptiming_process("schedule", entries, "--plan", plan, "--out", tmp_path / name,
                         "--time-limit", "3", "--seed", "7").returncode == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_bad_input_lists_every_problem_and_writes_nothing(tmp_path):
    entries = write_entries(tmp_path / "entries.csv", [entry("D1", skill="expert"), entry("D1", runs="0")])
    plan = tmp_path / "plan.toml"
    plan.write_text(SMALL_PLAN.replace("capacity = 4", "capacity = \"four\""))
    roster = tmp_path / "roster.csv"
    result = laptiming("schedule", entries, "--plan", plan, "--out", roster)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert f"laptiming: {entries}:2: column 'skill': 'expert' is not a skill (use novice, intermediate, advanced)" in lines
    assert f"laptiming: {entries}:3: column 'runs': runs must be at least 1, got 0 (remove the row to withdraw)" in lines
    assert f"laptiming: {plan}:13: column 'sessions.capacity': 'capacity' must be a whole number, got 'four'" in lines
    assert lines[-1].endswith("nothing was written")
    assert not roster.exists()


def test_an_impossible_event_gives_a_partial_roster_and_says_why(tmp_path):
    entries = write_entries(tmp_path / "entries.csv", [entry(f"M{i}", available_until="2026-06-13 10:00")
                                                       for i in range(13)])
    plan = tmp_path / "plan.toml"
    plan.write_text(SMALL_PLAN)
    roster = tmp_path / "roster.csv"
    result = laptiming("schedule", entries, "--plan", plan, "--out", roster, "--time-limit", "3")
    assert result.returncode == 1
    assert "runs unmet: 2" in result.stdout  # 6 morning slots x 4 cars = 24 of 26 runs
    assert ("  why: drivers available only between 2026-06-13 08:00 and 09:55 need 7 sessions there "
            "(26 runs at 4 cars per session), there are 6 slots") in result.stdout.splitlines()
    assert len(roster.read_text().splitlines()) == 1 + 24
    check = laptiming("schedule", "check", roster, "--entries", entries, "--plan", plan)
    assert check.returncode == 1
    broken = [line for line in check.stdout.splitlines() if str(roster) in line and ": [" in line]
    assert broken and all("[runs]" in line for line in broken)


def test_check_lists_broken_rules_in_a_hand_made_roster(tmp_path):
    entries = write_entries(tmp_path / "entries.csv", [entry("D1", number="1", transponder="T-D1", skill="novice"),
                                                             entry("D2", number="2", transponder="T-D2", skill="advanced")])
    plan = tmp_path / "plan.toml"
    plan.write_text(SMALL_PLAN.replace("runs = 2", "runs = 1"))
    roster = tmp_path / "roster.csv"
    roster.write_text(
        ",".join(ROSTER_COLUMNS) + "\n"
        "1,2026-06-13 08:00,2026-06-13 08:15,D1,Driver D1,C-D1,1,T-D1,Standard,novice,\n"
        "1,2026-06-13 08:00,2026-06-13 08:15,D2,Driver D2,C-D2,2,T-D2,Standard,advanced,\n")
    result = laptiming("schedule", "check", roster, "--entries", entries, "--plan", plan)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        f"{roster}: line 2: session 1: [never-together] novice (D1) and advanced (D2) share the session")


def test_keep_a_published_roster_and_report_the_changes(tmp_path):
    entries = write_entries(tmp_path / "entries.csv", [entry(f"D{i}") for i in range(8)])
    plan = tmp_path / "plan.toml"
    plan.write_text(SMALL_PLAN)
    published = tmp_path / "published.csv"
    assert laptiming("schedule", entries, "--plan", plan, "--out", published, "--time-limit", "3").returncode == 0
    write_entries(entries, [entry(f"D{i}") for i in range(1, 8)] + [entry("D50")])
    result = laptiming("schedule", entries, "--plan", plan, "--keep", published, "--out", tmp_path / "new.csv",
                       "--time-limit", "3")
    assert result.returncode == 0, result.stderr
    assert f"changes against {published}: 2" in result.stdout
    assert "  D0: withdrawn, their runs are free" in result.stdout
    assert "  D50 Driver D50: new entry, runs at 2026-06-13 " in result.stdout
    before = {line for line in published.read_text().splitlines() if ",D0," not in line}
    after = set((tmp_path / "new.csv").read_text().splitlines())
    assert before <= after and len(after - before) == 2


def test_a_kept_apart_class_no_entry_has_is_one_note_at_the_plan_line(event_files, tmp_path):
    rows = [entry("D1", car_class="Electric"), entry("D2", car_class="Classic"), entry("D3"), entry("D4")]
    entries, plan = event_files(rows, SMALL_PLAN.replace('separate_classes = ["Electric"]',
                                                         'separate_classes = ["Electirc"]'))
    note = (f"laptiming: note: {plan}:21: separate_classes names 'Electirc', which no entry has "
            "(classes: Classic, Electric, Standard)")
    result = laptiming("schedule", entries, "--plan", plan, "--out", tmp_path / "roster.csv")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [note]
    check = laptiming("schedule", "check", tmp_path / "roster.csv", "--entries", entries, "--plan", plan)
    assert check.returncode == 0 and check.stderr.splitlines() == [note]
    entries, plan = event_files(rows)  # spelled as the entries spell it: nothing to say
    result = laptiming("schedule", entries, "--plan", plan, "--out", tmp_path / "roster-2.csv")
    assert result.returncode == 0 and result.stderr == ""


def _late_entry_kept_out(event_files, tmp_path):
    """A published roster of four drivers filling one session, then a late entry free only in that session,
    re-planned with the published runs kept: the late run cannot be placed (exit 1); that run, its files."""
    plan_text = SMALL_PLAN.replace('separate_classes = ["Electric"]', "separate_classes = []")
    entries, plan = event_files([entry(f"D{i}") for i in range(4)], plan_text)
    published = tmp_path / "published.csv"
    assert laptiming("schedule", entries, "--plan", plan, "--out", published).returncode == 0
    with published.open(newline="") as handle:
        first = next(csv.DictReader(handle))  # a full session: 4 cars, capacity 4
    late = entry("D9", available_from=first["start"], available_until=first["end"], runs="1")
    entries, plan = event_files([entry(f"D{i}") for i in range(4)] + [late], plan_text)
    kept = laptiming("schedule", entries, "--plan", plan, "--keep", published, "--out", tmp_path / "kept.csv")
    assert kept.returncode == 1, kept.stderr
    return kept, entries, plan, published


def test_a_replan_that_kept_runs_block_suggests_allow_moves(event_files, tmp_path):
    kept, entries, plan, published = _late_entry_kept_out(event_files, tmp_path)
    assert ("  why: the bounds do not prove the rules impossible, and the published runs are kept where they are: "
            "--allow-moves may place the missing runs by moving some") in kept.stdout.splitlines()
    assert "--time-limit" not in kept.stdout
    moved = laptiming("schedule", entries, "--plan", plan, "--keep", published, "--allow-moves",
                      "--out", tmp_path / "moved.csv")
    assert moved.returncode == 0 and "runs unmet: 0" in moved.stdout, moved.stdout


def test_check_refuses_options_it_does_not_use_and_schedule_refuses_entries(event_files, tmp_path):
    entries, plan = event_files([entry(f"D{i}") for i in range(4)])
    roster = tmp_path / "roster.csv"
    assert laptiming("schedule", entries, "--plan", plan, "--out", roster).returncode == 0
    result = laptiming("schedule", "check", roster, "--entries", entries, "--plan", plan,
                       "--out", tmp_path / "zz.csv", "--db", tmp_path / "zz.db")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "laptiming schedule: 'schedule check' does not use --out, --db (it only reads the roster, --entries and "
        "--plan) (see laptiming schedule --help)"]
    result = laptiming("schedule", entries, "--plan", plan, "--entries", entries, "--out", tmp_path / "zz.csv")
    assert result.returncode == 2 and "--entries is for 'schedule check'" in result.stderr
    assert not (tmp_path / "zz.csv").exists() and not (tmp_path / "zz.db").exists()


def test_the_roster_to_check_may_come_after_the_options(event_files, tmp_path):
    """``schedule check --entries E --plan P roster.csv`` said 'unrecognized arguments: roster.csv' (exit 2): the
    roster was taken only right after 'check'. The entries may come last as well."""
    entries, plan = event_files([entry(f"D{i}") for i in range(4)])
    roster = tmp_path / "roster.csv"
    made = laptiming("schedule", "--plan", plan, "--out", roster, "--time-limit", "2", entries)
    assert made.returncode == 0, made.stderr
    result = laptiming("schedule", "check", "--entries", entries, "--plan", plan, roster)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{roster}: no broken rules")
    result = laptiming("schedule", "check", "--entries", entries, roster, "--plan", plan, tmp_path / "other.csv")
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["laptiming schedule: usage: laptiming schedule check ROSTER --entries "
                                          "ENTRIES --plan PLAN (see laptiming schedule --help)"]


def test_a_group_too_big_for_a_session_is_said_to_be_unable_to_run_together(event_files, tmp_path):
    """A club of 6 with 2 runs each on a plan of 4 cars a session: the summary said 'groups together: 0 of 1' and
    nothing about why, as if the solver had given up on them."""
    rows = [entry(f"G{i}", group="Big Club") for i in range(6)] + [entry("F1", group="Pair"), entry("F2", group="Pair")]
    entries, plan = event_files(rows)
    result = laptiming("schedule", entries, "--plan", plan, "--out", tmp_path / "roster.csv", "--time-limit", "2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    at = lines.index("groups together: 1 of 2")
    assert lines[at + 1] == ("  Big Club cannot run together: its 6 drivers with 2 runs each would all be in the same "
                             "sessions, which hold 4 cars")
    assert not lines[at + 2].startswith("  ")


def test_runs_unmet_after_a_pinned_replan_are_the_fewest_only_with_the_published_runs_kept(event_files, tmp_path):
    """With the published runs pinned (--keep, no --allow-moves) the summary said 'runs unmet: 1 (the fewest possible
    with 1 driver(s) left without a run, the fewest possible)', though --allow-moves then placed every run: the
    proof holds only with the published runs where they are, and now says so."""
    kept, entries, plan, published = _late_entry_kept_out(event_files, tmp_path)
    (line,) = [line for line in kept.stdout.splitlines() if line.startswith("runs unmet:")]
    assert line == ("runs unmet: 1 (the fewest possible with the published runs kept, 1 driver(s) left without a "
                    "run)")
