"""The roster: who runs in which session, and its CSV form (written and read back).

A :class:`Roster` is the solver's answer by index; :class:`RosterRow` is one line of the
published CSV, which is also what ``check`` and re-planning read (hand-made rosters too).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from scheduler.errors import InputProblem, ScheduleInputError
from scheduler.model import format_time, parse_time
from scheduler.output import CsvFile, write_all
from scheduler.problem import Problem
from scheduler.textfile import read_csv_lines

ROSTER_COLUMNS: tuple[str, ...] = (
    "session", "start", "end", "driver_id", "driver", "car_id", "car_number",
    "transponder", "car_class", "skill", "group",
)


@dataclass(frozen=True, slots=True)
class Roster:
    """Per driver (by problem index), the slot indices they run in; and runs left unplaced."""

    sessions: tuple[tuple[int, ...], ...]

    def unmet(self, problem: Problem) -> tuple[int, ...]:
        """Per driver, the runs asked for but not placed."""
        return tuple(max(0, d.runs - len(self.sessions[d.index])) for d in problem.drivers)

    def used_slots(self) -> tuple[int, ...]:
        """Slot indices with at least one driver, in time order."""
        return tuple(sorted({s for runs in self.sessions for s in runs}))

    @classmethod
    def from_pairs(cls, driver_count: int, pairs: Iterable[tuple[int, int]]) -> Roster:
        """Build from ``(driver index, slot index)`` pairs."""
        per_driver: list[set[int]] = [set() for _ in range(driver_count)]
        for driver, slot in pairs:
            per_driver[driver].add(slot)
        return cls(tuple(tuple(sorted(s)) for s in per_driver))


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One roster line: a driver in a session. ``line`` is 0 for rows not read from a file."""

    session: str
    start: datetime
    end: datetime
    driver_id: str
    driver: str
    car_id: str
    car_number: str
    transponder: str
    car_class: str
    skill: str
    group: str
    line: int = 0

    def as_csv(self) -> list[str]:
        """The row's cells in :data:`ROSTER_COLUMNS` order."""
        return [self.session, format_time(self.start), format_time(self.end), self.driver_id,
                self.driver, self.car_id, self.car_number, self.transponder, self.car_class,
                self.skill, self.group]


def roster_rows(problem: Problem, roster: Roster) -> list[RosterRow]:
    """The roster as CSV rows: by session, then car number, then driver id."""
    rows = []
    for driver in problem.drivers:
        entry = driver.entry
        for slot_index in roster.sessions[driver.index]:
            slot = problem.slots[slot_index]
            rows.append(RosterRow(
                slot.label, slot.start, slot.end, entry.driver_id, entry.driver, entry.car_id,
                entry.car_number, entry.transponder, entry.car_class,
                entry.skill.value if entry.skill else "", entry.group))
    rows.sort(key=lambda r: (r.start, _number_key(r.car_number), r.driver_id))
    return rows


def _number_key(car_number: str) -> tuple[int, str]:
    """Sort car numbers numerically where they are numbers."""
    return (int(car_number), "") if car_number.isdigit() else (1 << 30, car_number)


def roster_file(path: Path, rows: Sequence[RosterRow]) -> CsvFile:
    """The roster CSV to write (exact column order of :data:`ROSTER_COLUMNS`)."""
    return CsvFile(path, ROSTER_COLUMNS, [r.as_csv() for r in rows])


def write_roster(path: Path, rows: Sequence[RosterRow]) -> None:
    """Write the roster CSV (exact column order of :data:`ROSTER_COLUMNS`)."""
    write_all([roster_file(path, rows)])


def read_roster(path: Path) -> tuple[RosterRow, ...]:
    """Read a roster CSV (ours or hand-made); raise with every malformed cell."""
    source = str(path)
    lines = read_csv_lines(path, "roster")
    if not lines:
        raise ScheduleInputError([InputProblem(source, 1, "", "the roster has no header row")])
    header_line, header = lines[0]
    problems = [InputProblem(source, header_line, name, "missing column")
                for name in ROSTER_COLUMNS if name not in header]
    problems += [InputProblem(source, header_line, name, "unknown column")
                 for name in header if name and name not in ROSTER_COLUMNS]
    if problems:
        raise ScheduleInputError(problems)
    position = {name: header.index(name) for name in ROSTER_COLUMNS}
    rows: list[RosterRow] = []
    bad_times: list[InputProblem] = []
    for line, cells in lines[1:]:
        value = {name: cells[i] if i < len(cells) else "" for name, i in position.items()}
        times: dict[str, datetime] = {}
        for name in ("start", "end"):
            try:
                times[name] = parse_time(value[name])
            except ValueError:
                bad_times.append(InputProblem(source, line, name, f"'{value[name]}' is not a time like "
                                                                  "2026-06-13 08:00 (YYYY-MM-DD HH:MM)"))
        for name in ("session", "driver_id"):
            if not value[name]:
                problems.append(InputProblem(source, line, name, "must not be blank"))
        if len(times) == 2 and value["session"] and value["driver_id"]:
            rows.append(RosterRow(
                value["session"], times["start"], times["end"], value["driver_id"], value["driver"],
                value["car_id"], value["car_number"], value["transponder"], value["car_class"],
                value["skill"], value["group"], line))
    problems[:0] = _said_once(source, bad_times)
    if problems:
        raise ScheduleInputError(sorted(problems, key=lambda p: p.line))
    return tuple(rows)


_TIMES_NAMED = 2  # bad times named one by one; more are one line (a spreadsheet rewrote the whole column)


def _said_once(source: str, bad_times: list[InputProblem]) -> list[InputProblem]:
    """A few bad times each named; a roster whose times are all rewritten (Excel saves them as it shows them,
    13/06/2026 08:00) is the first two and one line for the rest, rather than two lines per run."""
    if len(bad_times) <= _TIMES_NAMED + 1:
        return bad_times
    rest = bad_times[_TIMES_NAMED:]
    return [*bad_times[:_TIMES_NAMED], InputProblem(
        source, rest[0].line, "", f"{len(rest)} more start and end times are not like 2026-06-13 08:00 either "
        f"(lines {rest[0].line} to {rest[-1].line}): a spreadsheet that opened the roster may have rewritten them; "
        "format those columns as yyyy-mm-dd hh:mm and save as CSV UTF-8 again")]
