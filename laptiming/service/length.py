"""A session's length as the official sets it: its duration or lap count, before it runs or while it does.

A red flag stops the cars, not the session's time; the clerk of the course gives the lost minutes back by
lengthening the session. The new rules are written to the session with who changed them and why
(``session_control``); a recorder timing it takes them up within a second, and the checkered flag falls at
the new time or lap. A finished session is refused, and so is a length the session has already run past:
the checkered flag is how a running session ends now.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlite_utils import Database

from laptiming import engine
from laptiming.engine import SessionRules
from laptiming.errors import InputError
from laptiming.service.control import ControlAction, append_control
from laptiming.store import SessionPhase, SessionRecord, get_session, load_passings, load_setup, write_transaction
from laptiming.store.sessions import set_rules
from laptiming.timefmt import format_clock


@dataclass(frozen=True, slots=True)
class LengthChange:
    """What is asked: a new duration, time added to the one set, or a new lap count (exactly one)."""

    duration_us: int | None = None
    add_us: int | None = None
    lap_count: int | None = None

    def __post_init__(self) -> None:
        given = [value for value in (self.duration_us, self.add_us, self.lap_count) if value is not None]
        if len(given) != 1:
            raise InputError("give one of a duration, time to add, or a lap count")
        if given[0] <= 0:
            raise InputError(f"a session's length must be above zero (got {given[0]})")


@dataclass(frozen=True, slots=True)
class LengthSet:
    """The session's rules before and after, for the confirmation."""

    session_id: int
    name: str
    before: SessionRules
    after: SessionRules


def length_text(rules: SessionRules) -> str:
    """``15:00``, ``10 laps``, ``20:00 or 12 laps`` (whichever comes first), ``no set length``."""
    parts = []
    if rules.duration_us is not None:
        parts.append(format_clock(rules.duration_us))
    if rules.lap_count is not None:
        parts.append(f"{rules.lap_count} lap{'s' if rules.lap_count != 1 else ''}")
    return " or ".join(parts) if parts else "no set length"


def set_length(db: Database, session_id: int, change: LengthChange, *, made_by: str, reason: str) -> LengthSet:
    """Set the session's duration or lap count (one write unit, logged with who and why); see the module.

    The session is derived with the new rules to refuse a length already run past before the write lock is
    taken: a recorder timing the session commits its passings meanwhile (deriving an hour of 100 cars takes
    tens of ms). In the write unit, only a length changed by someone else in between is checked again."""
    if not reason.strip():
        raise InputError("--reason: why the length changes must be given (e.g. 'red flag, 4 minutes lost')")
    checked = _new_rules(get_session(db, session_id), change)
    _refuse_a_finish_already_past(db, session_id, checked)
    with write_transaction(db):
        record = get_session(db, session_id)
        after = _new_rules(record, change)
        if after != checked:  # changed meanwhile (another terminal): checked again, holding the lock this once
            _refuse_a_finish_already_past(db, session_id, after)
        set_rules(db, session_id, after)
        append_control(db, session_id, ControlAction.LENGTH, made_by,
                       f"{reason}: {length_text(record.rules)} -> {length_text(after)}")
    return LengthSet(session_id, record.name, record.rules, after)


def _new_rules(record: SessionRecord, change: LengthChange) -> SessionRules:
    """The session's rules with the change made; a finished session, or time added to no duration, refused."""
    where = _where(record)
    if record.phase is SessionPhase.FINISHED:
        raise InputError(f"{where} is finished; to time it on, laptiming finish --session {record.session_id} --resume")
    before = record.rules
    if change.add_us is not None:
        if before.duration_us is None:
            raise InputError(f"{where} has no duration to add to ({length_text(before)}); give --duration")
        return replace(before, duration_us=before.duration_us + change.add_us)
    if change.duration_us is not None:
        return replace(before, duration_us=change.duration_us)
    return replace(before, lap_count=change.lap_count)


def _where(record: SessionRecord) -> str:
    return f"session {record.session_id} ({record.name})"


def _refuse_a_finish_already_past(db: Database, session_id: int, rules: SessionRules) -> None:
    """A length the session has already run past would end it in the past, taking laps already driven from the
    cars (the session derived with the new rules: its checkered flag falls before a passing it has)."""
    setup = load_setup(db, session_id)
    if setup.markers.checkered_us is not None:  # a flag shown by hand ends it, whatever the length
        return
    state = engine.start(replace(setup, rules=rules), load_passings(db, session_id))
    finish, green = state.finish_at_us, setup.markers.green_us
    if finish is None or green is None or state.latest_us is None or state.latest_us <= finish:
        return
    raise InputError(f"{_where(get_session(db, session_id))} has run {format_clock(state.latest_us - green)} "
                     f"already: {length_text(rules)} would end it at {format_clock(finish - green)}, in the past; "
                     "to end it now, show the checkered flag")


def take_asked_rules(db: Database, existing: SessionRecord, rules: SessionRules | None) -> None:
    """Rules asked for (``record --duration 600 --session-type race``) are a planned session's from now on; a
    running one keeps its own, and rules that differ from them are refused, not dropped without a word."""
    if rules is None or rules == existing.rules:
        return
    if existing.phase is SessionPhase.PLANNED:
        set_rules(db, existing.session_id, rules)
        return
    raise InputError(f"session {existing.session_id} ({existing.name}) is running as {rules_text(existing.rules)}, "
                     f"not {rules_text(rules)} as given: leave the rules out to resume it "
                     "(laptiming length changes its length)")


def rules_text(rules: SessionRules) -> str:
    """``race, 10:00 or 12 laps, min lap 10 s``: a session's rules in a line."""
    return f"{rules.session_type.value}, {length_text(rules)}, min lap {rules.min_lap_us / 1_000_000:g} s"
