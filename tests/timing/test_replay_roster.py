"""A capture replayed into an event database made from a roster: the roster's cars keep their drivers."""

from __future__ import annotations

from pathlib import Path

from tests.timing.cli_runner import csv_rows, run_cli

PLAN = """\
[event]
name = "Replay day"

[[days]]
date = "2019-03-02"
start = "16:00"
end = "18:00"

[sessions]
length_minutes = 15
changeover_minutes = 5
capacity = 3

[drivers]
runs = 1
min_rest_minutes = 40
"""

# The three transponders of the real capture: car 11 and car 12 have one driver each, car 13 is shared
ENTRIES = """\
driver_id,driver,car_id,car_number,transponder,car_class,skill,group,available_from,available_until,runs
D1,Noémie Lefèvre,C11,11,3438895,Standard,,,,,
D2,Björn Brontë,C12,12,5691251,Classic,,,,,
D3,Siân Dubois,C13,13,3292480,Classic,,,,,
D4,Hélène Małecki,C13,13,3292480,Classic,,,,,
"""


def test_a_replay_names_each_roster_cars_driver_when_the_car_has_only_one(tmp_path: Path, captures: Path) -> None:
    """The replay entered the roster's cars by transponder with their number and class but no driver: the results,
    the sheets and the slips of a replayed session had a blank where Björn Brontë was. A shared car stays blank
    (which of its drivers was out is for the official to say: correct assign)."""
    (tmp_path / "entries.csv").write_text(ENTRIES, encoding="utf-8")
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    db = tmp_path / "event.db"
    scheduled = run_cli("schedule", tmp_path / "entries.csv", "--plan", tmp_path / "plan.toml",
                        "--out", tmp_path / "roster.csv", "--db", db)
    assert scheduled.returncode == 0, scheduled.stderr
    replayed = run_cli("replay", captures / "p3" / "vmindru-ambp3client" / "amb.out", "--db", db,
                       "--name", "Afternoon replay")
    assert replayed.returncode == 0, replayed.stderr
    _, rows = csv_rows(run_cli("export", "results", "--db", db).stdout)
    assert sorted((r["number"], r["driver"], r["class"]) for r in rows) == [
        ("11", "Noémie Lefèvre", "Standard"), ("12", "Björn Brontë", "Classic"), ("13", "", "Classic")]
    assert "Björn Brontë" in replayed.stdout
