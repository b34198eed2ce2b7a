"""An export or a printout never replaces a file of another kind: ``--out event.db`` (one slip of the tab key) wrote
the results CSV over the event database, the day's timing gone, with exit 0; ``print results --csv entries.csv``
wrote over the registrations. Such a name is refused, one line, exit 2, the file untouched; the same export or
printout made again replaces its last one as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from laptiming.sample_day import build_sample_event
from tests.printouts.helpers import run


@pytest.fixture(scope="module")
def event_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("day") / "event.db"
    build_sample_event(path)
    return path


@pytest.mark.parametrize("command", [
    ("export", "results", "--session", "10", "--out"),
    ("print", "results", "--session", "10", "--csv"),
    ("print", "results", "--session", "10", "--html"),
    ("print", "results", "--session", "10", "--xlsx"),
    ("print", "results", "--session", "10", "--pdf"),
    ("print", "slip", "--session", "10", "--pdf"),
    ("print", "leaderboard", "--pdf"),
])
def test_the_event_database_is_never_replaced_by_an_export_or_a_printout(capsys, event_db: Path,
                                                                        command: tuple[str, ...]) -> None:
    before = event_db.read_bytes()
    code, _, err = run(capsys, *command[:2], "--db", str(event_db), *command[2:], str(event_db))
    assert code == 2
    assert err.startswith(f"laptiming: {event_db} is a database, which this would replace with ")
    assert err.endswith("give another name, or remove that file first (nothing written)\n")
    assert event_db.read_bytes() == before
    assert run(capsys, "sessions", "--db", str(event_db))[0] == 0


def test_a_results_csv_is_never_written_over_the_entries_sheet_but_replaces_the_last_results(
        capsys, event_db: Path, tmp_path: Path) -> None:
    entries = tmp_path / "entries.csv"
    entries.write_text("driver_id,driver,car_id\nD0001,Lena Berger,C1\n", encoding="utf-8")
    code, _, err = run(capsys, "print", "results", "--db", str(event_db), "--session", "10", "--csv", str(entries))
    assert code == 2
    assert err == (f"laptiming: {entries} is a CSV of other columns (driver_id,driver,car_id), which this would "
                   "replace with a CSV: give another name, or remove that file first (nothing written)\n")
    assert entries.read_text(encoding="utf-8").startswith("driver_id,driver,car_id")
    results = tmp_path / "results.csv"
    for _ in range(2):  # made again: the last one replaced
        assert run(capsys, "print", "results", "--db", str(event_db), "--session", "10", "--csv", str(results))[0] == 0
    assert results.read_text(encoding="utf-8").startswith("position,number,driver")


def test_an_empty_file_is_no_kind_and_may_be_written(capsys, event_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "board.pdf"
    target.touch()
    assert run(capsys, "print", "leaderboard", "--db", str(event_db), "--pdf", str(target))[0] == 0
    assert target.read_bytes().startswith(b"%PDF-")
