"""Plain-text results for the terminal: the standings table, unknown transponders, the corrections."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from hardware.sequence import numbers_in, ranges_text
from laptiming.engine import (
    MANUAL_DECODER_ID,
    AddPassing,
    AssignTransponder,
    CorrectionAction,
    DeleteLap,
    Entry,
    FinishTimeSet,
    LapFlag,
    PassingJudged,
    PassingReason,
    SessionEvent,
    SessionResult,
    SetMinLap,
    SetStatus,
    StandingChanged,
    StandingRow,
    TimePenalty,
    UnknownTransponder,
    UnknownTransponderSeen,
    Verdict,
    VoidPassing,
)
from laptiming.engine.columns import counted_passings, laps_flagged, verdicts_with
from laptiming.service.clocktime import DecoderClock
from laptiming.store import CorrectionRecord, SessionRecord
from laptiming.timefmt import format_gap, format_lap_time, format_seconds


@dataclass(frozen=True, slots=True)
class ColumnWidths:
    """Widths of the text columns; a table sizes them to its content, a streamed line uses these minimums."""

    number: int = 8
    driver: int = 18
    car_class: int = 6

    @classmethod
    def fitting(cls, rows: Iterable[StandingRow | Entry]) -> ColumnWidths:
        """Wide enough for every row (or every car entered, for lines streamed as they come): nothing is cut."""
        rows = list(rows)
        minimum = cls()
        return cls(
            number=max([minimum.number, *(len(row.number) for row in rows)]),
            driver=max([minimum.driver, *(len(row.driver or "") for row in rows)]),
            car_class=max([minimum.car_class, *(len(row.car_class or "") for row in rows)]),
        )


def header(widths: ColumnWidths = ColumnWidths()) -> str:
    """The standings table's header line."""
    return (f"{'Pos':>3}  {'No':<{widths.number}} {'Driver':<{widths.driver}} {'Class':<{widths.car_class}} "
            f"{'Laps':>4}  {'Last':>9}  {'Best':>9} {'(lap)':>5}  {'Gap':>10}  {'Int':>10}  {'':2}  Status")


def mark(row: StandingRow) -> str:
    """``SB`` for the session's best lap, ``PB`` when the last lap was the car's best."""
    if row.session_best:
        return "SB"
    return "PB" if row.personal_best else ""


def status_text(row: StandingRow) -> str:
    """Status, with its reason and any penalty."""
    text = row.status.value
    if row.status_reason:
        text += f" ({row.status_reason})"
    if row.penalty_us:
        text += " " + penalty_text(row)
    return text


def table_status(row: StandingRow) -> str:
    """The status as a narrow standings column shows it: a penalty before ``running`` or ``finished`` (cut at 10
    cells, ``running +30.000 pen`` read ``running +3``, another penalty), never before DNF, DNS or DSQ."""
    if row.penalty_us and not out_of_the_running(row):
        return f"{penalty_text(row)} {status_text(replace(row, penalty_us=0))}"
    return status_text(row)


def out_of_the_running(row: StandingRow) -> str:
    """``DNF``, ``DNS`` or ``DSQ`` for a car out of the running, else empty: what a board or a phone shows in
    place of its gap (a retired car otherwise stood there with its laps and no word why)."""
    return row.status.value if row.status.classification_group else ""  # the engine's groups after running


def penalty_text(row: StandingRow) -> str:
    """``+5.000 pen`` for a car with a time penalty, else empty."""
    return f"+{format_seconds(row.penalty_us)} pen" if row.penalty_us else ""


def _position_text(row: StandingRow) -> str:
    """The position as the table shows it: blank for a car not classified (its status says why)."""
    position = row.classified_position
    return "" if position is None else str(position)


def format_row(row: StandingRow, widths: ColumnWidths = ColumnWidths()) -> str:
    """One line of the standings table (never cut: a longer name widens its own line)."""
    best_lap_no = f"({row.best_lap_no})" if row.best_lap_no is not None else ""
    return (
        f"{_position_text(row):>3}  {row.number:<{widths.number}} {row.driver or '':<{widths.driver}} "
        f"{row.car_class or '':<{widths.car_class}} "
        f"{row.laps:>4}  {format_lap_time(row.last_lap_us):>9}  {format_lap_time(row.best_lap_us):>9} "
        f"{best_lap_no:>5}  {format_gap(row.gap):>10}  "
        f"{format_gap(row.interval):>10}  {mark(row):2}  {status_text(row)}"
    )


def row_dict(row: StandingRow) -> dict[str, object]:
    """A standings row as JSON-ready values (times in µs, gaps as shown)."""
    return {
        "car_id": row.car_id,
        "position": row.classified_position,  # null for DNF, DNS, DSQ
        "number": row.number,
        "driver": row.driver,
        "class": row.car_class,
        "transponders": list(row.transponders),
        "laps": row.laps,
        "last_lap_us": row.last_lap_us,
        "best_lap_us": row.best_lap_us,
        "best_lap_no": row.best_lap_no,
        "gap": format_gap(row.gap),
        "interval": format_gap(row.interval),
        "mark": mark(row),
        "status": row.status.value,
        "status_reason": row.status_reason,
        "penalty_us": row.penalty_us,
    }


def format_table(rows: Sequence[StandingRow]) -> list[str]:
    """The standings table with its header."""
    widths = ColumnWidths.fitting(rows)
    return [header(widths), *(format_row(row, widths) for row in rows)]


def result_clock(result: SessionResult) -> DecoderClock | None:
    """The decoder clock of a session's passings (None without any): how its decoder times read as times of day."""
    passings = [verdict.passing for verdict in result.verdicts]
    return DecoderClock.learn(passings) if passings else None


THOUSANDTH_OF_DAY = len("HH:MM:SS.mmm")  # a time of day shown to the thousandth: the exact text, truncated


def decoder_time_text(decoder_time_us: int, clock: DecoderClock | None, *, exact: bool = True) -> str:
    """A decoder time as an official types it back: the time of day, exact (``14:02:05.123456``), or decoder µs
    when the clock has no time of day. Not ``exact`` (paper: results sheets), the time of day to the thousandth,
    truncated (``14:02:05.123``), as every time a reader sees is shown."""
    time_of_day = None if clock is None else clock.time_of_day_text(decoder_time_us)
    if time_of_day is None:
        return f"decoder time {decoder_time_us}"
    return time_of_day if exact else time_of_day[:THOUSANDTH_OF_DAY]


def describe_action(action: CorrectionAction, numbers: dict[int, str], clock: DecoderClock | None = None, *,
                    exact: bool = True) -> str:
    """A correction in words, cars by their number, decoder times as times of day on ``clock`` when it has them:
    to the microsecond for the terminal and exports (to type back), to the thousandth for paper (not ``exact``)."""

    def car(car_id: int) -> str:
        return f"car {numbers.get(car_id, f'id {car_id}')}"

    def time(decoder_time_us: int) -> str:
        return decoder_time_text(decoder_time_us, clock, exact=exact)

    if isinstance(action, AddPassing):
        return f"add passing: transponder {action.transponder} at {time(action.decoder_time_us)}"
    if isinstance(action, VoidPassing):
        at = "" if action.decoder_time_us is None else f" at {time(action.decoder_time_us)}"
        return f"void passing {action.passing_number} of decoder {action.decoder_id}{at}"
    if isinstance(action, TimePenalty):
        return f"time penalty: {car(action.car_id)} +{format_seconds(action.penalty_us)} s"
    if isinstance(action, DeleteLap):
        return (f"delete lap: {car(action.car_id)} lap {action.lap_no} "
                f"(crossing at {time(action.crossing_us)})")
    if isinstance(action, SetStatus):
        return f"status: {car(action.car_id)} {action.status.value}"
    if isinstance(action, AssignTransponder):
        return f"assign transponder {action.transponder} to {car(action.car_id)}"
    if isinstance(action, SetMinLap):
        return f"min lap: {format_seconds(action.min_lap_us)} s"
    raise ValueError(f"unknown correction {action!r}")


def format_corrections(records: Iterable[CorrectionRecord], numbers: dict[int, str],
                       clock: DecoderClock | None = None) -> list[str]:
    """Every correction with who, when and why."""
    return [
        f"  #{record.correction.correction_id}  {record.made_at}  {record.made_by}: "
        f"{describe_action(record.correction.action, numbers, clock)}"
        + (f" -- {record.reason}" if record.reason else "")
        for record in records
    ]


def format_unknown(unknown: Iterable[UnknownTransponder]) -> list[str]:
    """Transponders with no car: kept, reported, not counted."""
    return [
        f"  transponder {u.transponder}: {u.passings} passing{'s' if u.passings != 1 else ''}, not counted"
        for u in unknown
    ]


def format_not_entered(verdicts: Sequence[Verdict]) -> list[str]:
    """Transponders whose car is known but not entered in this session, first seen first: kept, not counted."""
    seen = Counter(verdict.passing.transponder for verdict in verdicts_with(verdicts, PassingReason.NOT_ENTERED))
    return [f"  transponder {transponder}: {count} passing{'s' if count != 1 else ''}, not counted"
            for transponder, count in seen.items()]


def _passings_text(verdicts: Sequence[Verdict]) -> str:
    """``72 passings``, and the ones added by correction apart (``and 1 added by correction``), so the count
    reads as the session list and the Day screen give it: what the decoder sent."""
    added = sum(verdict.passing.decoder_id == MANUAL_DECODER_ID for verdict in verdicts)
    text = f"{len(verdicts) - added} passings"
    return text + (f" and {added} added by correction" if added else "")


def format_result(record: SessionRecord, result: SessionResult, corrections: Sequence[CorrectionRecord],
                  missing: Mapping[int, Sequence[tuple[int, int]]] | None = None) -> str:
    """The whole results sheet of a session as text; ``missing``: passing numbers never received, per decoder."""
    counted = counted_passings(result.verdicts)
    lines = [
        f"session {record.session_id} ({record.name}): {record.rules.session_type.value}, {record.phase.value} -- "
        f"{_passings_text(result.verdicts)}, {counted} counted, {len(result.laps)} laps",
        *format_table(result.standings),
    ]
    numbers = {row.car_id: row.number for row in result.standings}
    suspect = laps_flagged(result.laps, LapFlag.SUSPECT)
    if suspect:
        lines += [
            "Suspect laps (longer than the rule allows; likely a missed loop read):",
            *(f"  car {numbers.get(lap.car_id, lap.car_id)} lap {lap.lap_no}: {format_lap_time(lap.lap_time_us)}" for lap in suspect),
        ]
    if missing:
        lines += [
            "Passings missing (the decoder numbered them, none arrived; a lap across them reads too long):",
            *(f"  decoder {decoder_id}: {ranges_text(ranges)} ({numbers_in(ranges)})"
              for decoder_id, ranges in missing.items()),
        ]
    if result.unknown:
        lines += ["Unknown transponders:", *format_unknown(result.unknown)]
    not_entered = format_not_entered(result.verdicts)
    if not_entered:
        lines += ["Cars not entered in this session (laptiming entry add enters one):", *not_entered]
    lines += ["Corrections:", *(format_corrections(corrections, numbers, result_clock(result)) or ["  none"])]
    return "\n".join(lines)


def describe_event(event: SessionEvent, entering: bool, widths: ColumnWidths = ColumnWidths()) -> str | None:
    """One line for a change worth showing as it happens (None for the rest); ``entering``: unknown cars get entered."""
    if isinstance(event, StandingChanged):
        return format_row(event.row, widths)
    if isinstance(event, UnknownTransponderSeen):
        unknown = event.unknown
        if entering:
            return f"unknown transponder {unknown.transponder}: entering it as car {unknown.transponder}"
        return f"unknown transponder {unknown.transponder}: {unknown.passings} passings, not counted"
    if isinstance(event, PassingJudged) and event.verdict.reason is PassingReason.NOT_ENTERED:
        passing = event.verdict.passing
        return f"transponder {passing.transponder}: its car is not entered in this session; passing not counted"
    if isinstance(event, FinishTimeSet) and event.finish_at_us is not None:
        # said when the green flag sets a duration's end too, before it comes: a time, not "the flag is out"
        return f"the session ends at decoder time {event.finish_at_us}: each car finishes at its next crossing"
    return None


def event_json(event: SessionEvent, entering: bool) -> str | None:
    """The same change as one JSON object (None for the rest)."""
    if isinstance(event, StandingChanged):
        return json.dumps({"type": "standing", **row_dict(event.row)})
    if isinstance(event, UnknownTransponderSeen):
        unknown = event.unknown
        return json.dumps({"type": "unknown", "transponder": unknown.transponder, "passings": unknown.passings,
                           "entering": entering})
    if isinstance(event, PassingJudged) and event.verdict.reason is PassingReason.NOT_ENTERED:
        passing = event.verdict.passing
        return json.dumps({"type": "not_entered", "transponder": passing.transponder,
                           "decoder_id": passing.decoder_id, "passing_number": passing.passing_number})
    if isinstance(event, FinishTimeSet):
        return json.dumps({"type": "checkered", "finish_at_us": event.finish_at_us})
    return None
