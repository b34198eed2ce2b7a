"""Arguments and look-ups shared by the timing commands: session rules, the database, a session."""

from __future__ import annotations

import argparse
import functools
import math
import sqlite3
from collections.abc import Callable

from sqlite_utils import Database

from laptiming import engine
from laptiming.engine import SessionResult, SessionRules, SessionType
from laptiming.report import format_result
from laptiming.service.clocktime import DecoderTime
from laptiming.store import (
    SessionRecord,
    get_session,
    latest_session,
    load_corrections,
    load_passings,
    load_setup,
    open_event_db,
    session_named,
    store_error,
)
from laptiming.store.gaps import journal_gaps
from laptiming.timefmt import parse_clock, parse_seconds


def seconds(text: str) -> int:
    """argparse type: seconds as typed, to integer microseconds."""
    try:
        value = parse_seconds(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def positive_seconds(text: str) -> int:
    """argparse type: seconds above zero, to integer microseconds (a session of no length has no end)."""
    value = seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be above zero: {text}")
    return value


def session_time(text: str) -> int:
    """argparse type: a length of session time above zero (``19:00``, ``1:05:00``, or seconds), to µs."""
    try:
        value = parse_clock(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above zero: {text}")
    return value


def session_name(text: str) -> str:
    """argparse type: a session's name, not blank (a blank one shows as nothing in every list)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must not be blank: {text!r}")
    return text


class SessionName(str):
    """A session given by name (``--session "Session 26"``, as the roster and the day's list call it)."""


def session_ref(text: str) -> int | SessionName:
    """argparse type: a session's id (``19``) or its name (``"Session 26"``), looked up when the command runs.

    A roster's sessions are named by slot ("Session 26" may be id 19): a driver's itinerary and the paddock
    sheets give the name, and the name is taken as such rather than refused as not a number."""
    if text.strip().isdigit():
        return int(text)
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must not be blank: {text!r}")
    return SessionName(text)


def resolve_session_name(args: argparse.Namespace) -> None:
    """Put the id of a ``--session`` given by name in its place; one clear error when no session, or several,
    have that name (nothing is written)."""
    name = getattr(args, "session", None)
    if not isinstance(name, SessionName):
        return
    db = open_event_db(args.db, readonly=True)
    try:
        args.session = session_named(db, str(name)).session_id
    finally:
        db.close()


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from err


def positive_int(text: str) -> int:
    """argparse type: a whole number above zero."""
    value = _whole_number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above zero: {text}")
    return value


def _finite_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from err
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    return value


def pace(text: str) -> float:
    """argparse type: a pace in times real time, above zero (a live decoder at no pace sends nothing)."""
    value = _finite_number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above zero: {text}")
    return value


def wait_seconds(text: str) -> float:
    """argparse type: seconds to wait, zero or more (a wait cannot be negative)."""
    value = _finite_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def tcp_port(text: str) -> int:
    """argparse type: a TCP port to listen on (0: any free one)."""
    value = _whole_number(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value}: give a TCP port from 0 to 65535")
    return value


def kilometres(text: str) -> str:
    """argparse type: a track length in km as it is sent (``2.760``), checked to be a length."""
    try:
        value = float(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a length in km: {text!r}") from err
    if not 0 < value < 100:
        raise argparse.ArgumentTypeError(f"{text}: give the track's length in km, e.g. 2.760")
    return text


class TypedAs(argparse.Action):
    """Store the value and the option name it was typed after (``--time`` or its alias ``--time-us``), so a
    message about the value names the option the user typed: ``args.<dest>_typed_as``."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        setattr(namespace, self.dest, values)
        setattr(namespace, f"{self.dest}_typed_as", option_string or self.option_strings[0])


def typed_as(args: argparse.Namespace, dest: str) -> str:
    """The option name a :class:`TypedAs` value was typed after."""
    return str(getattr(args, f"{dest}_typed_as"))


def say_if_far(typed: DecoderTime | None) -> None:
    """Print the note on a typed time of day far outside the session's passings (a typing slip?), if any."""
    if typed is not None and typed.far:
        print(f"note: {typed.far}")


def add_rules_arguments(parser: argparse.ArgumentParser) -> None:
    """``--session-type``, ``--min-lap``, ``--duration``, ``--laps``."""
    parser.add_argument("--session-type", choices=[t.value for t in SessionType], default=None,
                        help="practice, qualifying or race (default practice)")
    parser.add_argument("--min-lap", type=seconds, metavar="SECONDS", default=None,
                        help="passings sooner than this after the previous counted one count for nothing (default 10)")
    parser.add_argument("--duration", type=session_time, metavar="TIME", default=None,
                        help="how long the session runs from the green flag: 15:00, 1:05:00 or seconds (a race's "
                             "checkered flag then falls as its leader next crosses the line)")
    parser.add_argument("--laps", type=positive_int, default=None, help="checkered flag when the leader completes these laps")


def rules_from(args: argparse.Namespace) -> SessionRules | None:
    """The session rules the arguments ask for; None when none is given (a planned session's own, or the defaults)."""
    if (args.session_type, args.min_lap, args.duration, args.laps) == (None, None, None, None):
        return None
    defaults = SessionRules()
    return SessionRules(
        session_type=SessionType(args.session_type or defaults.session_type.value),
        min_lap_us=defaults.min_lap_us if args.min_lap is None else args.min_lap,
        duration_us=args.duration,
        lap_count=args.laps,
    )


def chosen_session(db: Database, session_id: int | None) -> SessionRecord:
    """The session named by ``--session``, or the newest one."""
    return latest_session(db) if session_id is None else get_session(db, session_id)


def session_result(db: Database, session_id: int) -> SessionResult:
    """The session's result recomputed from the journal and its corrections."""
    return engine.derive_session(load_passings(db, session_id), load_setup(db, session_id))


def session_report(db: Database, record: SessionRecord, result: SessionResult) -> str:
    """The session's results sheet as text, with its corrections and the passings its decoder never sent."""
    missing = journal_gaps(db, (verdict.passing for verdict in result.verdicts))
    return format_result(record, result, load_corrections(db, record.session_id), missing)


def store_command(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A command handler whose SQLite errors (a locked or damaged database) become one-line errors."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            resolve_session_name(args)
            return handler(args)
        except sqlite3.Error as err:
            raise store_error(getattr(args, "db", "the database"), err) from err

    return run
