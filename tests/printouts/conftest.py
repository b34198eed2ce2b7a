"""Event databases for the printout tests: a club day made by the sample builder, and a simulated session
recorded through the real decoder driver. Both are real SQLite files, built once per test module."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from laptiming.cli import main
from laptiming.sample_day import build_sample_event

RACE_SESSION = 10  # the sample day's Group A race (a penalty and a deleted lap)
FIRST_SESSION = 1


@pytest.fixture(scope="session")
def day_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """36 drivers in three groups, three practice runs each, then a race: 10 finished sessions."""
    return build_sample_event(tmp_path_factory.mktemp("day") / "event.db")


@pytest.fixture()
def day_copy(day_db: Path, tmp_path: Path) -> Path:
    """A copy of the club day a test may change."""
    copy = tmp_path / "event.db"
    shutil.copy(day_db, copy)
    return copy


@pytest.fixture(scope="session")
def sim_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 12-car simulated practice recorded through the real driver, unknown transponders entered by number."""
    db = tmp_path_factory.mktemp("sim") / "sim.db"
    code = main(["record", "sim://?cars=12&seed=7&speed=0&minutes=10&faults=1", "--db", str(db),
                 "--session", "Practice 1", "--enter-unknown", "--min-lap", "30"])
    assert code == 0
    return db
