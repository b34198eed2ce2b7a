"""Files saved the wrong way (European Excel's ';', Latin-1, a workbook for a CSV, a folder): one line naming the
file and line with what to do, exit 2, nothing written, for entries, plan, roster, check, --keep and print roster."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from schedule_helpers import SMALL_PLAN, entry, run_laptiming, write_entries

ROWS = [entry(f"D{i}") for i in range(4)]
PLAN = SMALL_PLAN.replace('separate_classes = ["Electric"]', "separate_classes = []")


@pytest.fixture
def event(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Entries, plan and the roster made from them (each a good file)."""
    entries = write_entries(tmp_path / "entries.csv", ROWS)
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    roster = tmp_path / "roster.csv"
    result = run_laptiming("schedule", entries, "--plan", plan, "--out", roster)
    assert result.returncode == 0, result.stderr
    return entries, plan, roster


def _resaved(path: Path, name: str, delimiter: str) -> Path:
    """The same table saved by a spreadsheet that separates values by ``delimiter``."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    out = path.with_name(name)
    with out.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return out


def _commands(entries: Path, plan: Path, roster: Path, out: Path) -> list[tuple[str, ...]]:
    """Every command that reads an entries or roster CSV."""
    return [
        ("schedule", str(entries), "--plan", str(plan), "--out", str(out / "new.csv")),
        ("schedule", "check", str(roster), "--entries", str(entries), "--plan", str(plan)),
        ("schedule", str(entries), "--plan", str(plan), "--keep", str(roster), "--out", str(out / "new.csv")),
        ("print", "roster", "--roster", str(roster), "--pdf", str(out / "sheets.pdf")),
    ]


def _one_problem(result, line: str) -> None:
    """Exit 2, the problem in one line (the schedule command adds its count of problems)."""
    assert result.returncode == 2, result.stdout
    lines = result.stderr.splitlines()
    assert lines[0] == f"laptiming: {line}"
    assert lines[1:] in ([], ["laptiming: 1 problem(s) in the input; nothing was written"]), lines


@pytest.mark.parametrize("delimiter, name", [(";", "';'"), ("\t", "tabs")])
def test_a_csv_separated_by_semicolons_is_one_line_saying_how_to_save_it(event, tmp_path, delimiter, name):
    entries, plan, roster = event
    out = tmp_path / "out"
    out.mkdir()
    bad_entries = _resaved(entries, "e.csv", delimiter)
    bad_roster = _resaved(roster, "r.csv", delimiter)
    said = {str(bad_entries): f"{bad_entries}:1: the file is separated by {name}; save it as comma-separated CSV "
                              "(or give the .xlsx)",
            str(bad_roster): f"{bad_roster}:1: the file is separated by {name}; save it as comma-separated CSV"}
    for command in _commands(bad_entries, plan, roster, out)[:1] + _commands(entries, plan, bad_roster, out)[1:]:
        result = run_laptiming(*command)
        bad = str(bad_entries) if str(bad_entries) in command else str(bad_roster)
        _one_problem(result, said[bad])
    assert list(out.iterdir()) == []
