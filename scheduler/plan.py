"""Read the event plan (TOML) into a :class:`Plan`, reporting every problem with its line.

``tomllib`` gives values but not where they were written, so a small line locator scans the
text for table headers and keys; messages then point at the line the user has to fix.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from scheduler.errors import InputProblem, ScheduleInputError
from scheduler.model import Plan, Skill, TrackDay
from scheduler.textfile import read_text

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")
_TOML_ERROR_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")

MINUTES_PER_DAY = 24 * 60
_KNOWN_KEYS: dict[str, frozenset[str]] = {
    "event": frozenset({"name"}),
    "days": frozenset({"date", "start", "end", "breaks"}),
    "sessions": frozenset({"length_minutes", "changeover_minutes", "capacity", "shared_car_back_to_back"}),
    "drivers": frozenset({"runs", "min_rest_minutes"}),
    "rules": frozenset({"never_together", "separate_classes"}),
}


# Far above any real event, low enough that no arithmetic on them can overflow the solver.
_MAXIMA: dict[str, tuple[int, str]] = {
    "capacity": (1000, "cars on track at once"),
    "runs": (100, "runs per driver"),
    "length_minutes": (MINUTES_PER_DAY, "a day"),
    "changeover_minutes": (MINUTES_PER_DAY, "a day"),
    "min_rest_minutes": (MINUTES_PER_DAY, "a day"),
}


@dataclass
class _Locator:
    """Line numbers of table headers and keys, found by scanning the TOML text."""

    tables: dict[tuple[str, int], int] = field(default_factory=dict)
    keys: dict[tuple[str, int, str], int] = field(default_factory=dict)

    @classmethod
    def scan(cls, text: str) -> _Locator:
        """Index every ``[table]``, ``[[array]]`` and ``key =`` line."""
        locator = cls()
        table, index = "", 0
        counts: dict[str, int] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if match := _ARRAY_HEADER.match(line):
                table = match.group(1)
                index = counts.get(table, 0)
                counts[table] = index + 1
                locator.tables[(table, index)] = number
            elif match := _TABLE_HEADER.match(line):
                table, index = match.group(1), 0
                locator.tables.setdefault((table, 0), number)
            elif match := _KEY.match(line):
                locator.keys.setdefault((table, index, match.group(1)), number)
        return locator

    def line(self, table: str, key: str = "", index: int = 0) -> int:
        """The line of ``key`` in ``table`` (or of the table header, or 1 if neither is found)."""
        return self.keys.get((table, index, key)) or self.tables.get((table, index)) or 1


class _PlanReader:
    """Turns the parsed TOML into a Plan while collecting every problem."""

    def __init__(self, source: str, data: dict[str, Any], locator: _Locator) -> None:
        self.source = source
        self.data = data
        self.locator = locator
        self.problems: list[InputProblem] = []

    def problem(self, table: str, key: str, message: str, index: int = 0) -> None:
        """Record one problem at the key's line."""
        line = self.locator.line(table, key, index)
        column = f"{table}.{key}" if key else table
        self.problems.append(InputProblem(self.source, line, column, message))

    def table(self, name: str, required: bool = True) -> dict[str, Any]:
        """A top-level table, checked for unknown keys."""
        value = self.data.get(name)
        if value is None:
            if required:
                self.problems.append(
                    InputProblem(self.source, 1, name, f"the plan needs a [{name}] table")
                )
            return {}
        if not isinstance(value, dict):
            self.problem(name, "", f"'{name}' must be a table like [{name}]")
            return {}
        self.unknown_keys(name, value)
        return value

    def unknown_keys(self, name: str, value: dict[str, Any], index: int = 0) -> None:
        """Flag keys the plan format does not know (usually a typo)."""
        for key in value:
            if key not in _KNOWN_KEYS[name]:
                known = ", ".join(sorted(_KNOWN_KEYS[name]))
                self.problem(name, key, f"unknown key '{key}' (known: {known})", index)

    def integer(self, table: dict[str, Any], name: str, key: str, minimum: int,
                default: int | None = None) -> int:
        """A whole number from ``minimum`` to the key's sane maximum; ``default`` when absent."""
        value = table.get(key)
        if value is None:
            if default is None:
                self.problem(name, key, f"'{key}' is required in [{name}]")
                return minimum
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(name, key, f"'{key}' must be a whole number, got {value!r}")
            return minimum
        if value < minimum:
            self.problem(name, key, f"'{key}' must be at least {minimum}, got {value}")
            return minimum
        maximum, what = _MAXIMA[key]
        if value > maximum:
            self.problem(name, key, f"'{key}' must be at most {maximum} ({what}), got {value}")
            return minimum
        return value

    def boolean(self, table: dict[str, Any], name: str, key: str, default: bool) -> bool:
        """A TOML ``true`` or ``false`` (not text like "no"); ``default`` when absent."""
        value = table.get(key, default)
        if not isinstance(value, bool):
            self.problem(name, key, f"'{key}' must be true or false, got {value!r}")
            return default
        return value

    def clock(self, value: Any, key: str, index: int) -> time | None:
        """An ``HH:MM`` time of day (a TOML local time is accepted too)."""
        if isinstance(value, time):
            return value
        if isinstance(value, str):
            try:
                return datetime.strptime(value.strip(), "%H:%M").time()
            except ValueError:
                pass
        self.problem("days", key, f"'{key}' must be a time like \"08:00\", got {value!r}", index)
        return None

    def day(self, raw: Any, index: int) -> TrackDay | None:
        """One ``[[days]]`` table."""
        if not isinstance(raw, dict):
            self.problem("days", "", "each day must be a [[days]] table", index)
            return None
        self.unknown_keys("days", raw, index)
        when = raw.get("date")
        if isinstance(when, str):
            try:
                when = date.fromisoformat(when.strip())
            except ValueError:
                pass
        if isinstance(when, datetime) or not isinstance(when, date):
            self.problem("days", "date", f"'date' must be a date like 2026-06-13, got {when!r}",
                         index)
            when = None
        start = self.clock(raw.get("start"), "start", index) if "start" in raw else None
        end = self.clock(raw.get("end"), "end", index) if "end" in raw else None
        for key, value in (("start", start), ("end", end)):
            if key not in raw:
                self.problem("days", key, f"'{key}' is required for every day", index)
        if start and end and start >= end:
            self.problem("days", "end", f"the day ends ({end:%H:%M}) before it starts "
                         f"({start:%H:%M})", index)
            return None
        breaks = self.breaks(raw.get("breaks", []), start, end, index)
        if when is None or start is None or end is None or breaks is None:
            return None
        return TrackDay(when, start, end, breaks)

    def breaks(self, raw: Any, start: time | None, end: time | None,
               index: int) -> tuple[tuple[time, time], ...] | None:
        """The day's breaks: ``[["12:00", "13:00"], ...]``, inside the day, not overlapping."""
        shape = 'breaks must be a list of [start, end] pairs like [["12:00", "13:00"]]'
        if not isinstance(raw, list):
            self.problem("days", "breaks", shape, index)
            return None
        result: list[tuple[time, time]] = []
        for pair in raw:
            if not isinstance(pair, list) or len(pair) != 2:
                self.problem("days", "breaks", f"{shape}, got {pair!r}", index)
                return None
            begin, finish = (self.clock(v, "breaks", index) for v in pair)
            if begin is None or finish is None:
                return None
            if begin >= finish:
                self.problem("days", "breaks", f"break {begin:%H:%M}-{finish:%H:%M} ends "
                             "before it starts", index)
                return None
            if start and end and (begin < start or finish > end):
                self.problem("days", "breaks", f"break {begin:%H:%M}-{finish:%H:%M} is outside "
                             f"the day ({start:%H:%M}-{end:%H:%M})", index)
                return None
            result.append((begin, finish))
        result.sort()
        for (_, first_end), (second_start, _) in zip(result, result[1:]):
            if second_start < first_end:
                self.problem("days", "breaks", "breaks overlap each other", index)
                return None
        return tuple(result)

    def rules(self, rules: dict[str, Any]) -> tuple[tuple[tuple[Skill, Skill], ...], tuple[str, ...]]:
        """``never_together`` skill pairs and ``separate_classes``."""
        pairs: list[tuple[Skill, Skill]] = []
        raw_pairs = rules.get("never_together", [])
        skills = ", ".join(s.value for s in Skill)
        if not isinstance(raw_pairs, list) or any(isinstance(pair, str) for pair in raw_pairs):
            # one pair without its outer brackets, or a bare name: said once, with what to type
            self.problem("rules", "never_together", 'never_together must be a list of pairs like '
                         f'[["novice", "advanced"]] (brackets twice), got {raw_pairs!r}')
            raw_pairs = []
        for pair in raw_pairs:
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
                self.problem("rules", "never_together",
                             f'each pair must look like ["novice", "advanced"], got {pair!r}')
                continue
            try:
                first, second = (Skill(p.strip().casefold()) for p in pair)
            except ValueError:
                self.problem("rules", "never_together",
                             f"unknown skill in {pair!r} (known: {skills})")
                continue
            if first == second:
                self.problem("rules", "never_together",
                             f"a skill cannot be kept apart from itself: {pair!r}")
                continue
            pairs.append((first, second))
        classes = rules.get("separate_classes", [])
        if not isinstance(classes, list) or not all(isinstance(c, str) and c.strip() for c in classes):
            self.problem("rules", "separate_classes",
                         f'separate_classes must be a list of class names, got {classes!r}')
            classes = []
        return tuple(pairs), tuple(c.strip() for c in classes)

    def read(self) -> Plan:
        """The whole plan, or raise with every problem found."""
        for key in self.data:
            if key not in _KNOWN_KEYS:
                self.problems.append(InputProblem(
                    self.source, self.locator.line(key), key,
                    f"unknown table [{key}] (known: {', '.join(_KNOWN_KEYS)})"))
        event = self.table("event")
        name = event.get("name", "")
        if "name" in event and not isinstance(name, str):
            self.problem("event", "name", f"'name' must be text, got {name!r}")
        elif "event" in self.data and not name.strip():  # heads the summary, the database and every printout
            self.problem("event", "name", "'name' must not be blank" if "name" in event
                         else "'name' is required in [event]")
        sessions = self.table("sessions")
        length = self.integer(sessions, "sessions", "length_minutes", 1)
        changeover = self.integer(sessions, "sessions", "changeover_minutes", 0, default=0)
        capacity = self.integer(sessions, "sessions", "capacity", 1)
        back_to_back = self.boolean(sessions, "sessions", "shared_car_back_to_back", default=False)
        drivers = self.table("drivers")
        runs = self.integer(drivers, "drivers", "runs", 1)
        rest = self.integer(drivers, "drivers", "min_rest_minutes", 0, default=0)
        never_together, separate = self.rules(self.table("rules", required=False))
        raw_days = self.data.get("days")
        days: list[TrackDay] = []
        if not isinstance(raw_days, list) or not raw_days:
            self.problems.append(InputProblem(self.source, self.locator.line("days"), "days",
                                              "the plan needs at least one [[days]] table"))
        else:
            for index, raw in enumerate(raw_days):
                if (parsed := self.day(raw, index)) is not None:
                    days.append(parsed)
        seen: set[date] = set()
        for index, parsed in enumerate(days):
            if parsed.day in seen:
                self.problem("days", "date", f"{parsed.day} is listed twice", index)
            seen.add(parsed.day)
        if self.problems:
            raise ScheduleInputError(sorted(self.problems))
        return Plan(
            source=self.source,
            event_name=str(name).strip(),
            days=tuple(sorted(days, key=lambda d: d.day)),
            session_minutes=length,
            changeover_minutes=changeover,
            capacity=capacity,
            runs=runs,
            min_rest_minutes=rest,
            never_together=never_together,
            separate_classes=separate,
            key_lines=tuple((f"{table}.{key}", number)
                            for (table, _, key), number in self.locator.keys.items()),
            shared_car_back_to_back=back_to_back,
        )


def parse_plan(text: str, source: str) -> Plan:
    """Parse plan TOML text; ``source`` names the file in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        match = _TOML_ERROR_LINE.search(str(err))
        line = int(match.group(1)) if match else 1
        raise ScheduleInputError(
            [InputProblem(source, line, "", f"not valid TOML: {err}")]
        ) from err
    return _PlanReader(source, data, _Locator.scan(text)).read()


def read_plan(path: Path) -> Plan:
    """Read and check the plan file at ``path``."""
    return parse_plan(read_text(path, "plan", "save it as UTF-8 text"), str(path))
