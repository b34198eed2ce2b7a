"""Entries: read from CSV and XLSX; every bad input named by file, line and column."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from scheduler.entries import read_entries, read_entries_with_problems
from scheduler.errors import ScheduleInputError
from scheduler.model import ENTRY_COLUMNS, Skill
from scheduler.problem import load_problem
from schedule_helpers import entry, write_entries


def _problems(path: Path) -> list[str]:
    with pytest.raises(ScheduleInputError) as caught:
        read_entries(path)
    return [str(p) for p in caught.value.problems]


def test_rows_become_entries_with_blanks_meaning_defaults(tmp_path):
    path = write_entries(tmp_path / "e.csv", [
        entry("D1", skill="Novice", group="Club", available_from="2026-06-13 09:00", runs="3"),
        entry("D2", skill="", car_class=""),
    ])
    first, second = read_entries(path)
    assert (first.driver_id, first.skill, first.group, first.runs, first.line) == ("D1", Skill.NOVICE, "Club", 3, 2)
    assert first.available_from == datetime(2026, 6, 13, 9) and first.available_until is None
    assert second.skill is None and second.runs is None and second.car_class == "" and second.line == 3


def test_a_missing_column_is_named_and_an_unknown_one_is_not_a_problem(tmp_path):
    header = [c for c in ENTRY_COLUMNS if c != "transponder"] + ["shoe_size"]
    path = write_entries(tmp_path / "e.csv", [], header)
    problems = _problems(path)
    assert problems == [f"{path}:1: column 'transponder': missing column"]


def test_extra_columns_are_ignored_with_one_note(tmp_path):
    header = ["email", *ENTRY_COLUMNS[:6], "notes", *ENTRY_COLUMNS[6:], "T-shirt size"]
    row = entry("D1", skill="novice")
    path = write_entries(tmp_path / "e.csv", [["d1@example.org", *row[:6], "vegetarian", *row[6:], "L"]], header)
    notes: list = []
    entries, problems = read_entries_with_problems(path, notes)
    assert problems == []
    assert [(e.driver_id, e.skill, e.car_class) for e in entries] == [("D1", Skill.NOVICE, "Standard")]
    assert [str(n) for n in notes] == [
        f"{path}:1: ignoring 3 column(s) the scheduler does not use: email, notes, T-shirt size"]


def test_an_unquoted_comma_in_a_name_is_a_row_longer_than_the_header(tmp_path):
    path = tmp_path / "e.csv"
    good = ",".join(entry("D1"))
    shifted = "D2,Smith, Jo,C-D2,2,T-D2,Standard,intermediate,,,,"  # 12 values, the last blank
    path.write_text(",".join(ENTRY_COLUMNS) + "\n" + good + "\n" + shifted + "\n", encoding="utf-8")
    assert _problems(path) == [f"{path}:3: row has 12 values but the header has 11 columns (is there a "
                               "comma in a value that is not in quotes?)"]


def test_rows_with_extra_empty_values_are_read_and_said_so(tmp_path):
    path = tmp_path / "e.csv"
    rows = [",".join(entry("D1")) + ",,", ",".join(entry("D2")), ",".join(entry("D3")) + ","]
    path.write_text(",".join(ENTRY_COLUMNS) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    notes: list = []
    entries, problems = read_entries_with_problems(path, notes)
    assert problems == [] and [e.driver_id for e in entries] == ["D1", "D2", "D3"]
    assert [str(n) for n in notes] == [
        f"{path}: 2 row(s) have empty values after the last column, ignored (line(s) 2, 4)"]


def test_duplicate_driver_ids_name_both_lines(tmp_path):
    path = write_entries(tmp_path / "e.csv", [entry("D1"), entry("D2"), entry("D1", car="C9", transponder="999")])
    assert _problems(path) == [f"{path}:4: column 'driver_id': driver_id 'D1' is already used on line 2"]


def test_a_driver_id_entered_again_in_another_case_or_with_spaces_is_a_duplicate(tmp_path):
    """``d1 `` beside ``D1`` was a second driver: the same person rostered twice (twice the runs, the event database
    with two drivers), though ``--driver`` takes an id in any case and could no longer tell them apart."""
    path = write_entries(tmp_path / "e.csv", [entry("D1"), entry(" d1 ", car="C9", transponder="999"),
                                              entry("D2")])
    assert _problems(path) == [f"{path}:3: column 'driver_id': driver_id 'd1' is already used on line 2 (as 'D1')"]


def test_a_car_with_two_classes_or_transponders_is_refused(tmp_path):
    path = write_entries(tmp_path / "e.csv", [
        entry("D1", car="C1", number="7", transponder="111"),
        entry("D2", car="C1", number="7", transponder="222"),
        entry("D3", car="C1", number="7", transponder="111", car_class="Electric"),
    ])
    problems = _problems(path)
    assert f"{path}:3: column 'transponder': car 'C1' has transponder '111' on line 2 but '222' here" in problems
    assert f"{path}:4: column 'car_class': car 'C1' has car_class 'Standard' on line 2 but 'Electric' here" in problems


def test_bad_times_skills_and_runs_are_each_located(tmp_path):
    path = write_entries(tmp_path / "e.csv", [
        entry("D1", available_from="13/06/2026 9am"),
        entry("D2", skill="expert"),
        entry("D3", runs="two"),
        entry("D4", available_from="2026-06-13 11:00", available_until="2026-06-13 10:00"),
        [*entry("D5")[:1], "", *entry("D5")[2:]],
    ])
    problems = _problems(path)
    assert any(p.startswith(f"{path}:2: column 'available_from': '13/06/2026 9am' is not a time") for p in problems)
    assert any(p.startswith(f"{path}:3: column 'skill': 'expert' is not a skill") for p in problems)
    assert f"{path}:4: column 'runs': 'two' is not a whole number of runs" in problems
    assert any(p.startswith(f"{path}:5: column 'available_until': 2026-06-13 10:00 is not after") for p in problems)
    assert f"{path}:6: column 'driver': must not be blank" in problems
    assert len(problems) == 5


def test_a_window_on_no_day_of_the_event_says_so(event_files):
    """After the event moved a week (the plan's date changed), every dated window said 'the window from the start of
    the event to 2026-06-06 12:00 holds 0 session slots, room for 0 runs ...': a window that ends before the event
    begins, put as a matter of rest and runs."""
    entries, plan = event_files([
        entry("D1", available_until="2026-06-06 12:00"),
        entry("D2", available_from="2026-06-20 09:00"),
        entry("D3", available_from="2026-06-06 09:00", available_until="2026-06-06 12:00"),
        entry("D4"),
    ])
    with pytest.raises(ScheduleInputError) as caught:
        load_problem(entries, plan)
    assert [str(p) for p in caught.value.problems] == [
        f"{entries}:2: column 'available_until': 2026-06-06 12:00 is before the event's first day (2026-06-13); "
        "is the date right?",
        f"{entries}:3: column 'available_from': 2026-06-20 09:00 is after the event's last day (2026-06-13); "
        "is the date right?",
        f"{entries}:4: column 'available_until': 2026-06-06 12:00 is before the event's first day (2026-06-13); "
        "is the date right?"]


def test_a_window_too_short_for_the_runs_is_refused_with_both_files_checked(event_files):
    entries, plan = event_files([
        entry("D1", available_from="2026-06-13 08:00", available_until="2026-06-13 08:40"),
        entry("D2", runs="9"),
    ])
    with pytest.raises(ScheduleInputError) as caught:
        load_problem(entries, plan)
    problems = [str(p) for p in caught.value.problems]
    assert problems[0] == (
        f"{entries}:2: column 'available_until': the window from 2026-06-13 08:00 to 2026-06-13 08:40 "
        "holds 2 session slots, room for 1 runs with 40 min rest, but D1 needs 2 runs")
    assert problems[1].startswith(f"{entries}:3: column 'runs': the window from the start of the event to the end of the event "
                                  "holds 11 session slots, room for 4 runs")


def test_problems_in_both_files_are_reported_together(event_files):
    entries, plan = event_files([entry("D1", skill="pro")], plan="[event]\nname = 1\n")
    with pytest.raises(ScheduleInputError) as caught:
        load_problem(entries, plan)
    files = {p.file for p in caught.value.problems}
    assert files == {str(entries), str(plan)}


def test_xlsx_entries_with_real_date_cells_and_numbers(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(list(ENTRY_COLUMNS))
    sheet.append(["D1", "Ann", "C1", 7, 3100037, "Standard", "advanced", "", datetime(2026, 6, 13, 13, 0), None, 2])
    sheet.append(["D2", "Bob", "C2", 8.0, 3100074, "Standard", "Beginner", "", None, None, None])
    path = tmp_path / "entries.xlsx"
    book.save(path)
    problems = _problems(path)
    assert problems == [f"{path}:3: column 'skill': 'Beginner' is not a skill (use novice, intermediate, advanced)"]
    sheet.delete_rows(3)
    book.save(path)
    (only,) = read_entries(path)
    assert (only.car_number, only.transponder, only.runs) == ("7", "3100037", 2)
    assert only.available_from == datetime(2026, 6, 13, 13)


def test_a_missing_file_is_named(tmp_path):
    assert _problems(tmp_path / "nope.csv") == [f"{tmp_path / 'nope.csv'}: entries file not found"]


def test_one_transponder_on_two_cars_is_refused(tmp_path):
    path = write_entries(tmp_path / "e.csv", [entry("D1", transponder="5"), entry("D2", transponder="5")])
    assert _problems(path) == [f"{path}:3: column 'transponder': transponder '5' is already on car 'C-D1' "
                               "(line 2); each car needs its own"]


def test_rows_with_a_bad_cell_are_still_compared_and_windows_still_checked(event_files):
    entries, plan = event_files([
        entry("D1"),
        entry("D1", skill="expert"),
        entry("D3", available_from="2026-06-13 11:00"),
    ])
    with pytest.raises(ScheduleInputError) as caught:
        load_problem(entries, plan)
    problems = [str(p) for p in caught.value.problems]
    assert f"{entries}:3: column 'driver_id': driver_id 'D1' is already used on line 2" in problems
    assert any(p.startswith(f"{entries}:3: column 'skill':") for p in problems)
    assert any(p.startswith(f"{entries}:4: column 'available_from': the window from 2026-06-13 11:00")
               for p in problems)


@pytest.mark.parametrize("transponder", ["99999999999999999999999", "4294967296", "0", "-1", "banana", "3 100 037",
                                         "PV-384631234", "-PV38463"])
def test_a_transponder_that_could_never_be_timed_is_refused(tmp_path, transponder):
    """A decoder reports a number of 32 bits or a printed code of 8 characters at most; a huge number once
    crashed the import into the event database, and a word became an invented number nobody was told of."""
    path = write_entries(tmp_path / "e.csv", [entry("D1", transponder="3100037"), entry("D2", transponder=transponder)])
    assert _problems(path) == [f"{path}:3: column 'transponder': '{transponder}' is neither a transponder number "
                               "(1 to 4294967295) nor a printed code like PV-38463"]


@pytest.mark.parametrize("transponder", ["1", "4294967295", "PV-38463", "FL-94890", "T-D1", "0031"])
def test_transponder_numbers_and_printed_codes_are_taken(tmp_path, transponder):
    path = write_entries(tmp_path / "e.csv", [entry("D1", transponder=transponder)])
    assert read_entries(path)[0].transponder == transponder


def test_one_car_number_on_two_cars_is_refused(tmp_path):
    """Timing, slips and walk-ups know a car by its number: two cars under one could not be told apart."""
    path = write_entries(tmp_path / "e.csv", [
        entry("D1", car="C1", number="5"),
        entry("D2", car="C1", number="5"),  # the same car, shared: fine
        entry("D3", car="C9", number="5"),
    ])
    assert _problems(path) == [f"{path}:4: column 'car_number': car number '5' is already car 'C1' (line 2); "
                               "each car needs its own"]


def test_a_title_above_the_header_is_skipped_and_said_in_one_note(tmp_path):
    """A registration export with 'Spring Sprint registrations' in its first row and the column names in its third
    took the title for the header: eleven 'missing column' lines, then every row 'has 11 values but the header has
    1 columns (is there a comma in a value that is not in quotes?)' -- 50 lines for a 40-driver sheet."""
    path = tmp_path / "e.csv"
    rows = [",".join(entry(f"D{n}")) for n in range(1, 4)]
    path.write_text("Spring Sprint registrations,,,,,,,,,,\n,,,,,,,,,,\n" + ",".join(ENTRY_COLUMNS) + "\n"
                    + "\n".join(rows) + "\n", encoding="utf-8")
    notes: list = []
    entries, problems = read_entries_with_problems(path, notes)
    assert problems == [] and [(e.driver_id, e.line) for e in entries] == [("D1", 4), ("D2", 5), ("D3", 6)]
    assert [str(n) for n in notes] == [
        f"{path}:1: the column names are on line 3; ignoring what is above them ('Spring Sprint registrations')"]


def test_a_workbook_whose_first_sheet_is_a_read_me_reads_the_sheet_with_the_entries(tmp_path):
    book = Workbook()
    book.active.title = "Read me"
    book.active.append(["Fill one row per driver on the Entries sheet"])
    sheet = book.create_sheet("Entries")
    sheet.append(["Spring Sprint"])
    sheet.append(list(ENTRY_COLUMNS))
    sheet.append(["D1", "Ann", "C1", 7, 3100037, "Standard", "advanced", "", None, None, 2])
    path = tmp_path / "entries.xlsx"
    book.save(path)
    notes: list = []
    entries, problems = read_entries_with_problems(path, notes)
    assert problems == [] and [(e.driver_id, e.car_number, e.line) for e in entries] == [("D1", "7", 3)]
    assert [str(n) for n in notes] == [
        f"{path}: reading sheet 'Entries' (sheet 'Read me', the first, has no row of column names)",
        f"{path}:1: the column names are on line 2; ignoring what is above them ('Spring Sprint')"]


def test_a_sheet_with_no_row_of_column_names_is_one_line(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("Spring Sprint registrations\n\nAnn,C1,7\nBob,C2,8\n", encoding="utf-8")
    assert _problems(path) == [
        f"{path}:1: no row names the entries' columns (driver_id, driver, car_id, car_number, transponder, ...); "
        "the first row reads 'Spring Sprint registrations'"]


def test_column_names_as_a_person_titles_them_are_read(tmp_path):
    """A form's export titles its columns 'Driver ID', 'Car Number', 'Available From': every one was a 'missing
    column' (eleven lines) beside a note ignoring 'Driver ID', 'Car Number', ... Any case, and spaces or dashes for
    the underscores, now name the same column."""
    header = [name.replace("_", " ").title() for name in ENTRY_COLUMNS]
    header[header.index("Car Id")] = "car-ID"
    path = write_entries(tmp_path / "e.csv", [entry("D1", skill="novice", available_from="2026-06-13 09:00")],
                         [*header, "E-mail"])
    notes: list = []
    entries, problems = read_entries_with_problems(path, notes)
    assert problems == []
    (only,) = entries
    assert (only.driver_id, only.car_id, only.skill, only.available_from) == (
        "D1", "C-D1", Skill.NOVICE, datetime(2026, 6, 13, 9))
    assert [str(n) for n in notes] == [f"{path}:1: ignoring 1 column(s) the scheduler does not use: E-mail"]


def test_two_columns_that_name_the_same_field_are_refused(tmp_path):
    header = [*ENTRY_COLUMNS[:1], "Driver ID", *ENTRY_COLUMNS[1:]]
    row = entry("D1")
    path = write_entries(tmp_path / "e.csv", [[row[0], row[0], *row[1:]]], header)
    assert _problems(path) == [f"{path}:1: column 'Driver ID': column appears twice (as driver_id)"]


def test_a_title_above_column_names_titled_as_people_do_is_skipped(tmp_path):
    path = tmp_path / "e.csv"
    header = ",".join(name.replace("_", " ").title() for name in ENTRY_COLUMNS)
    path.write_text(f"Spring Sprint\n{header}\n" + ",".join(entry("D1")) + "\n", encoding="utf-8")
    entries, problems = read_entries_with_problems(path)
    assert problems == [] and [(e.driver_id, e.line) for e in entries] == [("D1", 3)]


def test_a_driver_entered_twice_under_two_ids_with_one_car_is_refused(tmp_path):
    """A registration form sent twice gives the same person two ids: 'Zoë Müller' (D1) and 'ZOË  MÜLLER ' (D9) with
    car C1 were taken as two drivers sharing the car, so she was rostered for twice her runs."""
    rows = [entry("D1", car="C1", number="7", transponder="3100222"), entry("D2"),
            entry("D9", car="C1", number="7", transponder="3100222")]
    rows[0][1], rows[2][1] = "Zoë Müller", "ZOË  MÜLLER "
    path = write_entries(tmp_path / "e.csv", rows)
    assert _problems(path) == [
        f"{path}:4: column 'driver': 'ZOË  MÜLLER' (D9) is also on line 2 (D1) with the same car C1: entered twice? "
        "(remove one row; if they are two people, tell them apart, e.g. 'Jo Carter Jr')"]
    rows[2][1] = "Zoë Müller Jr"
    (write_entries(tmp_path / "e.csv", rows))
    assert [e.driver_id for e in read_entries(path)] == ["D1", "D2", "D9"]
