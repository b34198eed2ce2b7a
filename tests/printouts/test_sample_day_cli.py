"""``python -m laptiming.sample_day OUT.db`` (the README's way to the sample club day) makes a new event
database and never adds a second day to one that is there (an event's own, or the sample made before)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path


def sample_day(out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "laptiming.sample_day", str(out)],
                          capture_output=True, text=True, timeout=120)


def session_names(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT name FROM sessions ORDER BY id")]


def test_the_sample_day_goes_into_a_new_database_only(tmp_path):
    db = tmp_path / "event.db"
    made = sample_day(db)
    assert made.returncode == 0, made.stderr
    before = session_names(db)
    assert len(before) == 10 and before[9] == "Group A race"
    again = sample_day(db)
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr == f"laptiming: {db} already exists; the sample day goes into a new event database\n"
    assert session_names(db) == before  # nothing added
