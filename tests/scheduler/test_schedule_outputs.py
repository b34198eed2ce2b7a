"""``schedule`` checks every input and output before solving, then writes all files or none."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.model import ENTRY_COLUMNS
from schedule_helpers import SMALL_PLAN, entry, write_entries

ROWS = [entry(f"D{i}") for i in range(6)]
# No separate class: these entries have no Electric car, and a kept-apart class no entry has is a note on stderr.
PLAN = SMALL_PLAN.replace('separate_classes = ["Electric"]', 'separate_classes = []')


def schedule(*args: object, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    def set_umask() -> None:
        if umask is not None:
            os.umask(umask)

    return subprocess.run([sys.executable, "-m", "laptiming", "schedule", *map(str, args), "--time-limit", "1"],
                          capture_output=True, text=True, timeout=120, preexec_fn=set_umask)


@pytest.fixture
def small(event_files) -> tuple[Path, Path]:
    return event_files(ROWS, PLAN)


@pytest.fixture
def unwritable(tmp_path) -> Path:
    """A folder no file can be made in (for root, who ignores permissions: sysfs)."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    folder = Path("/sys")
    with pytest.raises(OSError):
        (folder / "probe.csv").open("w")
    yield folder


def only_line(result: subprocess.CompletedProcess[str]) -> str:
    (line,) = result.stderr.splitlines()
    return line


def test_a_roster_into_a_read_only_folder_is_one_line_and_exit_2(small, unwritable):
    entries, plan = small
    result = schedule(entries, "--plan", plan, "--out", unwritable / "roster.csv")
    assert result.returncode == 2
    assert only_line(result) == f"laptiming: cannot write roster {unwritable / 'roster.csv'}: permission denied"


def test_sheets_that_cannot_be_written_leave_no_roster_behind(small, unwritable, tmp_path):
    entries, plan = small
    roster = tmp_path / "roster.csv"
    result = schedule(entries, "--plan", plan, "--out", roster, "--sheets", unwritable / "sheets")
    assert result.returncode == 2
    assert only_line(result) == f"laptiming: cannot write sheets {unwritable / 'sheets'}: permission denied"
    assert not roster.exists()


def test_a_missing_folder_is_refused_not_made(small, tmp_path):
    entries, plan = small
    out = tmp_path / "nowhere" / "roster.csv"
    result = schedule(entries, "--plan", plan, "--out", out)
    assert result.returncode == 2
    assert only_line(result) == f"laptiming: cannot write roster {out}: folder {out.parent} does not exist"
    assert not out.parent.exists()


@pytest.mark.parametrize("name", ["roster.xlsx", "Roster.XLS", "roster.ods"])
def test_a_roster_named_as_a_workbook_is_refused(small, tmp_path, name):
    """``--out roster.xlsx`` wrote CSV text under a workbook's name: a file Excel refuses to open ('the file format
    or extension is not valid'), handed round as the published roster."""
    entries, plan = small
    out = tmp_path / name
    result = schedule(entries, "--plan", plan, "--out", out)
    assert result.returncode == 2
    assert only_line(result) == (f"laptiming: cannot write roster {out}: the roster is written as CSV, "
                                 "so give --out a .csv name (a spreadsheet opens it as it is)")
    assert not out.exists()


def test_the_roster_is_never_written_over_the_entries_or_the_plan(small, tmp_path):
    """``--out entries.csv --force`` (a slip of the tab key, --force because roster.csv existed) replaced the
    registration sheet itself with the roster: the one input, lost."""
    entries, plan = small
    before = entries.read_bytes(), plan.read_bytes()
    for out, what in ((entries, "entries"), (plan, "plan")):
        result = schedule(entries, "--plan", plan, "--out", out, "--force")
        assert result.returncode == 2
        assert only_line(result) == (f"laptiming: cannot write roster {out}: it is the {what} file; give --out "
                                     "another name")
    (tmp_path / "sheets").mkdir()
    moved = tmp_path / "sheets" / "sessions.csv"
    moved.write_bytes(before[0])
    result = schedule(moved, "--plan", plan, "--out", tmp_path / "roster.csv", "--sheets", tmp_path / "sheets")
    assert result.returncode == 2
    assert only_line(result) == (f"laptiming: cannot write sheets {moved}: it is the entries file; give --sheets "
                                 "another folder")
    assert (entries.read_bytes(), plan.read_bytes(), moved.read_bytes()) == (before[0], before[1], before[0])
    assert not (tmp_path / "roster.csv").exists()


def test_the_roster_and_a_sheet_are_never_one_file(small, tmp_path):
    """``--out sheets/sessions.csv --sheets sheets`` said 'roster: sheets/sessions.csv (12 rows)' but the grid
    marshal's sheet was written over it: no roster was left for --keep."""
    entries, plan = small
    out = tmp_path / "sheets" / "sessions.csv"
    result = schedule(entries, "--plan", plan, "--out", out, "--sheets", tmp_path / "sheets")
    assert result.returncode == 2
    assert only_line(result) == (f"laptiming: cannot write roster {out}: the sheets go there too; give --out "
                                 "another name")
    assert not (tmp_path / "sheets").exists()


def test_the_roster_and_the_database_are_never_one_file(small, tmp_path):
    """``--out event.x --db event.x`` said 'event database event.x: 4 sessions created' and then wrote the roster over
    the database it had just made."""
    entries, plan = small
    out = tmp_path / "event.x"
    result = schedule(entries, "--plan", plan, "--out", out, "--db", out)
    assert result.returncode == 2
    assert only_line(result) == f"laptiming: cannot write roster {out}: it is the --db database; give --out another name"
    assert not out.exists()


def test_an_existing_roster_is_not_replaced_without_force(small, tmp_path):
    entries, plan = small
    out = tmp_path / "roster.csv"
    out.write_text("published\n")
    refused = schedule(entries, "--plan", plan, "--out", out)
    assert refused.returncode == 2
    assert only_line(refused) == (f"laptiming: {out} already exists (a published roster is what --keep needs): "
                                  "give --out another file, or --force to replace it")
    assert out.read_text() == "published\n"
    forced = schedule(entries, "--plan", plan, "--out", out, "--force")
    assert forced.returncode == 0, forced.stderr
    assert out.read_text().startswith("session,start,end,driver_id")


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_written_files_get_the_users_umask(small, tmp_path, umask):
    entries, plan = small
    out, sheets = tmp_path / "roster.csv", tmp_path / "sheets"
    result = schedule(entries, "--plan", plan, "--out", out, "--sheets", sheets, umask=umask)
    assert result.returncode == 0, result.stderr
    expected = 0o666 & ~umask  # what open(path, "w") gives a new file
    for path in (out, sheets / "sessions.csv", sheets / "itineraries.csv"):
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_the_database_is_not_made_when_a_kept_roster_is_bad(small, tmp_path):
    entries, plan = small
    bad = tmp_path / "published.csv"
    bad.write_text("session,start\n1,08:00\n")
    db = tmp_path / "event.db"
    result = schedule(entries, "--plan", plan, "--out", tmp_path / "new.csv", "--keep", bad, "--db", db)
    assert result.returncode == 2
    assert f"laptiming: {bad}:1: column 'end': missing column" in result.stderr.splitlines()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entries.csv", "plan.toml", "published.csv"]


def test_the_database_is_not_made_when_the_roster_cannot_be_written(small, tmp_path):
    entries, plan = small
    out = tmp_path / "roster.csv"
    out.write_text("published\n")
    result = schedule(entries, "--plan", plan, "--out", out, "--db", tmp_path / "event.db")
    assert result.returncode == 2
    assert not (tmp_path / "event.db").exists()


def test_a_huge_capacity_is_one_line_at_the_plan(tmp_path):
    entries = write_entries(tmp_path / "entries.csv", ROWS)
    plan = tmp_path / "plan.toml"
    for capacity in (10**12, 2**70):
        plan.write_text(PLAN.replace("capacity = 4", f"capacity = {capacity}"))
        result = schedule(entries, "--plan", plan, "--out", tmp_path / "roster.csv")
        assert result.returncode == 2
        assert result.stderr.splitlines() == [
            f"laptiming: {plan}:13: column 'sessions.capacity': 'capacity' must be at most 1000 (cars on "
            f"track at once), got {capacity}",
            "laptiming: 1 problem(s) in the input; nothing was written"]


def test_too_many_runs_in_the_plan_is_one_line_at_the_plan(tmp_path):
    entries = write_entries(tmp_path / "entries.csv", [*ROWS, entry("W1", available_from="2026-06-13 10:20")])
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN.replace("runs = 2", "runs = 20"))
    result = schedule(entries, "--plan", plan, "--out", tmp_path / "roster.csv")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"laptiming: {plan}:16: column 'drivers.runs': 20 runs per driver do not fit: the event's 11 session "
        "slots have room for 4 runs with 40 min rest",
        "laptiming: 1 problem(s) in the input; nothing was written"]


def test_ignored_columns_are_said_once_and_the_roster_is_written(tmp_path):
    header = ["driver_id", "email", *[c for c in ENTRY_COLUMNS if c != "driver_id"]]
    rows = [[r[0], f"{r[0]}@example.org", *r[1:]] for r in ROWS]
    entries = write_entries(tmp_path / "entries.csv", rows, header)
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN)
    result = schedule(entries, "--plan", plan, "--out", tmp_path / "roster.csv")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"laptiming: note: {entries}:1: ignoring 1 column(s) the scheduler does not use: email"]
    assert "runs unmet: 0" in result.stdout


def test_progress_shows_stage_sessions_against_the_bound_and_time(small, tmp_path):
    entries, plan = small
    result = schedule(entries, "--plan", plan, "--out", tmp_path / "roster.csv", "--progress")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines and all(re.fullmatch(r"  \[ *\d+\.\d s\] [a-z ()]+: \d+ sessions \(bound \d+\)", line)
                         for line in lines), lines
    assert lines[0].endswith("together at the bound: 3 sessions (bound 3)")
    quiet = schedule(entries, "--plan", plan, "--out", tmp_path / "quiet.csv")
    assert quiet.stderr == "" and quiet.stdout.splitlines()[:-2] == result.stdout.splitlines()[:-2]
