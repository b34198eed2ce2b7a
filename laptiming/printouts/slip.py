"""A driver slip's content, decided once for the PDF and the receipt printer alike."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from laptiming.engine import Lap, LapFlag, SessionType, StandingRow
from laptiming.errors import InputError
from laptiming.printouts.data import SessionSheet
from laptiming.printouts.stats import LapStats, lap_stats
from laptiming.printouts.text import STATE_WORDS, classified, printed_at, session_date, session_span
from laptiming.timefmt import format_gap, format_lap_time, format_seconds

BEST_MARK = "BEST"
FLAG_MARKS = {LapFlag.SUSPECT: "suspect", LapFlag.DELETED: "deleted"}


@dataclass(frozen=True, slots=True)
class SlipLap:
    """One listed lap: number, time as printed, and its marks (best, suspect, deleted)."""

    lap_no: int
    time: str
    marks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Slip:
    """Everything printed on one car's slip."""

    event: str
    session: str
    when: str
    driver: str
    car: str
    car_class: str
    position: str
    class_position: str  # blank for a car without a class
    laps: int
    best: str
    average: str
    gap: str
    race_time: str
    penalty: str
    status: str
    reason: str  # why a car is not classified ("oil leak, black flag" for a DSQ); blank for a classified car
    lap_lines: tuple[SlipLap, ...]
    raw_laps: tuple[Lap, ...]
    best_lap_no: int | None
    stats: LapStats
    state: str
    printed: str

    def facts(self) -> list[tuple[str, str]]:
        """The key figures as (label, value) pairs, in print order (why a car is not classified under its
        position, race time and penalty in races)."""
        facts = [
            ("Position", self.position),
            *([("Reason", self.reason)] if self.reason else []),
            *([("In class", self.class_position)] if self.class_position else []),
            ("Laps", str(self.laps)),
            ("Best lap", self.best),
            ("Average", self.average),
            ("Gap to P1", self.gap),
        ]
        if self.race_time:
            facts.append(("Race time", self.race_time))
        if self.penalty:
            facts.append(("Penalty", self.penalty))
        return facts

    @property
    def footer(self) -> str:
        """Provisional or final, and when it was printed."""
        return f"{self.state} - printed {self.printed}"


def _position_text(row: StandingRow, among: list[StandingRow]) -> str:
    """``P2 of 12``: the place among the classified cars, out of how many were classified, as the results sheet's
    classified table numbers them (its last row is P12 of 12); a car not classified gets its status and that
    count (``DSQ (12 classified)``). The count once took in the DNF, DNS and DSQ cars too: the last classified
    car read "P12 of 14", as if two cars had finished behind it."""
    placed = [other for other in among if classified(other)]
    count = f"{len(placed) or 'none'} classified"
    if not classified(row):
        return f"{row.status.value} ({count})"
    place = next(index for index, other in enumerate(placed, start=1) if other.car_id == row.car_id)
    return f"P{place} of {len(placed)}"


def build_slip(sheet: SessionSheet, row: StandingRow, now: str | None = None) -> Slip:
    """The slip of one car of the session."""
    standings = sheet.result.standings
    in_class = [other for other in standings if other.car_class == row.car_class]
    laps = tuple(lap for lap in sheet.result.laps if lap.car_id == row.car_id)
    stats = lap_stats(laps)
    lines = tuple(
        SlipLap(
            lap.lap_no,
            format_lap_time(lap.lap_time_us),
            ((BEST_MARK,) if lap.lap_no == row.best_lap_no else ())
            + tuple(FLAG_MARKS[flag] for flag in LapFlag if flag in lap.flags),
        )
        for lap in laps
    )
    best = f"{format_lap_time(row.best_lap_us)} (lap {row.best_lap_no})" if row.best_lap_us is not None else "-"
    gap = "leader" if row.position == 1 and classified(row) else (format_gap(row.gap) or "-")
    race = sheet.session_type is SessionType.RACE
    race_time = ""
    if race and laps and sheet.green_us is not None:
        race_time = format_lap_time(laps[-1].crossing_us - sheet.green_us + row.penalty_us)
    return Slip(
        event=sheet.event_name,
        session=f"{sheet.name} ({sheet.session_type.value})",
        when=f"{session_date(sheet)} {session_span(sheet)}".strip(),
        driver=row.driver or "",
        car=row.number,
        car_class=row.car_class or "",
        position=_position_text(row, list(standings)),
        # a car entered without a class has no place in one (the results sheet leaves it blank): its slip read
        # "In class P1 of 1" beside "P7 of 7", as if the cars without a class were a class of their own
        class_position=f"{_position_text(row, in_class)} {row.car_class}" if row.car_class else "",
        laps=row.laps,
        best=best,
        average=format_lap_time(stats.average_us) or "-",
        gap=gap,
        race_time=race_time,
        penalty=(f"+{format_seconds(row.penalty_us)} s" + (" (in the race time)" if race_time else "")
                 if row.penalty_us else ""),
        status=row.status.value,
        reason="" if classified(row) else row.status_reason,
        lap_lines=lines,
        raw_laps=laps,
        best_lap_no=row.best_lap_no,
        stats=stats,
        state=STATE_WORDS[sheet.state],
        printed=now or printed_at(),
    )


def session_slips(sheet: SessionSheet, car_number: str | None = None, now: str | None = None) -> Iterator[Slip]:
    """The slips of every car that crossed the line (or only car ``car_number``), in finishing order."""
    rows = [row for row in sheet.result.standings if row.laps or row.best_lap_us is not None]
    if car_number is not None:
        rows = [row for row in sheet.result.standings if row.number == car_number]
        if not rows:
            raise InputError(f"car {car_number} is not entered in session {sheet.session_id} ({sheet.name})")
    stamp = now or printed_at()
    for row in rows:
        yield build_slip(sheet, row, stamp)
