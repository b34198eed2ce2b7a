"""A session results sheet's content, decided once for PDF, HTML, CSV and XLSX."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from laptiming.engine import Lap, LapFlag, SessionResult, SessionType, StandingRow
from laptiming.errors import InputError
from laptiming.printouts.data import SessionSheet
from laptiming.printouts.text import (
    ORDER_RULES,
    STATE_WORDS,
    classified,
    session_date,
    session_span,
)
from laptiming.report import describe_action
from laptiming.store import SessionPhase
from laptiming.timefmt import format_gap, format_lap_time, format_seconds

COLUMNS = ("Pos", "No", "Driver", "Class", "In class", "Laps", "Best lap", "Lap", "Total time", "Gap", "Interval")
"""Headers of the classified table (``Total time`` only for races); ``In class`` is the position in the class."""
_TOTAL = COLUMNS.index("Total time")


@dataclass(frozen=True, slots=True)
class ResultLine:
    """One car on the sheet: every value as printed, plus the numbers files keep."""

    position: int | None  # None: not classified (DNF, DNS, DSQ)
    number: str
    driver: str
    car_class: str
    laps: int
    best_lap: str
    best_lap_no: str
    total_time: str
    gap: str
    interval: str
    status: str
    reason: str
    best_lap_us: int | None
    total_time_us: int | None
    penalty: str
    class_position: str = ""  # "2" for second of its class; blank when not classified or without a class

    def cells(self, race: bool) -> list[str]:
        """The classified table's cells in :data:`COLUMNS` order (without total time outside races)."""
        position = "" if self.position is None else str(self.position)
        cells = [position, self.number, self.driver, self.car_class, self.class_position, str(self.laps), self.best_lap,
                 self.best_lap_no, self.total_time, self.gap, self.interval]
        return cells if race else cells[:_TOTAL] + cells[_TOTAL + 1:]


@dataclass(frozen=True, slots=True)
class ResultsSheet:
    """The whole sheet: header facts, classified and non-classified cars, fastest lap, corrections, laps."""

    event: str
    circuit: str
    session: str
    session_type: SessionType
    date: str
    span: str
    state: str
    classified: tuple[ResultLine, ...]
    not_classified: tuple[ResultLine, ...]
    fastest_lap: str
    corrections: tuple[str, ...]
    rule: str
    laps_by_car: dict[str, tuple[Lap, ...]]  # car number -> laps, in finishing order

    @property
    def race(self) -> bool:
        """Races show total time."""
        return self.session_type is SessionType.RACE

    @property
    def columns(self) -> tuple[str, ...]:
        """The classified table's headers for this session type."""
        return COLUMNS if self.race else COLUMNS[:_TOTAL] + COLUMNS[_TOTAL + 1:]

    def header_facts(self) -> list[tuple[str, str]]:
        """Event, circuit, session, type, date, start-end, state."""
        facts = [("Event", self.event), ("Circuit", self.circuit), ("Session", self.session),
                 ("Type", self.session_type.value), ("Date", self.date), ("Start - end", self.span),
                 ("Results", self.state)]
        return [(label, value) for label, value in facts if value]


def _line(row: StandingRow, laps: Sequence[Lap], green_us: int | None) -> ResultLine:
    # Race time: from the green flag to the car's last counted lap, plus penalties.
    total_us = laps[-1].crossing_us - green_us + row.penalty_us if laps and green_us is not None else None
    return ResultLine(
        position=row.classified_position,
        number=row.number,
        driver=row.driver or "",
        car_class=row.car_class or "",
        laps=row.laps,
        best_lap=format_lap_time(row.best_lap_us),
        best_lap_no="" if row.best_lap_no is None else str(row.best_lap_no),
        total_time=format_lap_time(total_us),
        gap=format_gap(row.gap),
        interval=format_gap(row.interval),
        status=row.status.value,
        reason=row.status_reason,
        best_lap_us=row.best_lap_us,
        total_time_us=total_us,
        penalty=f"+{format_seconds(row.penalty_us)}" if row.penalty_us else "",
    )


def _with_class_positions(lines: list[tuple[StandingRow, ResultLine]]) -> list[tuple[StandingRow, ResultLine]]:
    """Each classified car's position in its class, counted down the classified order, as MyLaps' PIC."""
    counted: dict[str, int] = {}
    placed = []
    for row, line in lines:
        if classified(row) and row.car_class:
            counted[row.car_class] = counted.get(row.car_class, 0) + 1
            line = replace(line, class_position=str(counted[row.car_class]))
        placed.append((row, line))
    return placed


def fastest_row(result: SessionResult) -> StandingRow | None:
    """The car with the session's fastest lap whose times stand: the engine's session best (a disqualified
    car holds none), as the SB mark of every standings table has it."""
    return next((row for row in result.standings if row.session_best), None)


def build_results(sheet: SessionSheet, circuit: str = "") -> ResultsSheet:
    """The results sheet of a session that has started (a planned one has no results: its sheet read
    "LIVE results - session still running" over every entered car, placed by number with no lap)."""
    if sheet.phase is SessionPhase.PLANNED:
        raise InputError(f"session {sheet.session_id} ({sheet.name}) has not started: no results to print yet")
    result = sheet.result
    laps: dict[int, list[Lap]] = {}
    for lap in result.laps:
        laps.setdefault(lap.car_id, []).append(lap)
    lines = [(row, _line(row, laps.get(row.car_id, []), sheet.green_us)) for row in result.standings]
    lines = _with_class_positions(lines)
    fastest = fastest_row(result)
    numbers = {row.car_id: row.number for row in result.standings}
    clock = sheet.clock  # learned once, with the sheet
    corrections = tuple(  # on paper a crossing's time of day is shown to the thousandth, as every time
        f"#{record.correction.correction_id} "
        f"{describe_action(record.correction.action, numbers, clock, exact=False)}"
        f" - {record.reason or 'no reason given'} ({record.made_by}, {record.made_at[:16].replace('T', ' ')})"
        for record in sheet.corrections
    )
    return ResultsSheet(
        event=sheet.event_name,
        circuit=circuit,
        session=sheet.name,
        session_type=sheet.session_type,
        date=session_date(sheet),
        span=session_span(sheet),
        state=STATE_WORDS[sheet.state],
        classified=tuple(line for row, line in lines if classified(row)),
        not_classified=tuple(line for row, line in lines if not classified(row)),
        fastest_lap=(f"{format_lap_time(fastest.best_lap_us)} by #{fastest.number} {fastest.driver or ''} "
                     f"on lap {fastest.best_lap_no}").strip() if fastest else "",
        corrections=corrections,
        rule=ORDER_RULES[sheet.session_type],
        laps_by_car={row.number: tuple(laps.get(row.car_id, ())) for row in result.standings},
    )


def lap_cell(lap: Lap) -> str:
    """A lap time as the lap-by-lap pages print it: ``*`` suspect, ``x`` deleted."""
    mark = ("*" if LapFlag.SUSPECT in lap.flags else "") + ("x" if LapFlag.DELETED in lap.flags else "")
    return format_lap_time(lap.lap_time_us) + mark


def race_positions(sheet: ResultsSheet) -> dict[str, list[int]]:
    """Lap chart data: each car's position at the end of each of its laps (by crossing order)."""
    crossings: dict[int, list[tuple[int, str]]] = {}
    for number, laps in sheet.laps_by_car.items():
        for lap in laps:
            crossings.setdefault(lap.lap_no, []).append((lap.crossing_us, number))
    positions: dict[str, list[int]] = {number: [] for number, laps in sheet.laps_by_car.items() if laps}
    for lap_no in sorted(crossings):
        for place, (_, number) in enumerate(sorted(crossings[lap_no]), start=1):
            positions[number].append(place)
    return positions


def status_line(line: ResultLine) -> str:
    """``DNF (gearbox)`` for the non-classified list."""
    return f"{line.status} ({line.reason})" if line.reason else line.status

