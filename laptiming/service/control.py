"""Session control: the flags an official shows, finishing a session, and making its results official.

Every action is appended to ``session_control`` with who, when (host wall time) and why, and its
decoder time where it has one. Only green and checkered change timing (they set the session's
``green_us``/``checkered_us``); yellow and red are shown and kept, and change nothing in the laps.

Each function takes an open event database and does its work in one write unit
(:func:`~laptiming.store.write_transaction`; inside a caller's transaction it nests). A timing
``record`` running on the session takes the change up within a second; a session finished here
makes that recorder end cleanly. For the app: call these from a worker thread with a connection of
its own, never from the recorder's writer.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

from sqlite_utils import Database

from laptiming import engine
from laptiming.clockmap import ClockMap
from laptiming.engine import NEVER_US, SessionResult
from laptiming.errors import InputError
from laptiming.service.lock import lock_holder
from laptiming.store import (
    SessionPhase,
    SessionRecord,
    get_session,
    load_passings,
    load_setup,
    update_session,
    write_derived,
    write_transaction,
)
from laptiming.store.database import db_path
from laptiming.store.derived import clear_derived
from laptiming.store.entries import enter_by_number
from laptiming.store.sessions import now_text, reopen_for_timing


class Flag(enum.Enum):
    """The flags a session shows."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    CHECKERED = "checkered"


class ControlAction(enum.Enum):
    """What a ``session_control`` row records."""

    FLAG = "flag"
    FINISH = "finish"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    RESUME = "resume"  # a finished session timed again (finished too soon)
    ENTER = "enter"  # a walk-up entry (laptiming.service.entries)
    LENGTH = "length"  # the session's duration or lap count changed (laptiming.service.length)


class ResultsStatus(enum.Enum):
    """How final a session's results are: live while it runs, provisional once finished, then official."""

    LIVE = "live"
    PROVISIONAL = "provisional"
    OFFICIAL = "official"


@dataclass(frozen=True, slots=True)
class ControlRecord:
    """One row of ``session_control``: an action with its flag, decoder time, author, reason and host time."""

    control_id: int
    session_id: int
    action: ControlAction
    flag: Flag | None
    at_us: int | None
    made_by: str
    reason: str
    made_at: str


@dataclass(frozen=True, slots=True)
class Finished:
    """What :func:`finish_session` did: the checkered flag used (and whether it was shown now) and the results."""

    session: SessionRecord
    checkered_us: int | None
    checkered_shown_now: bool
    result: SessionResult


def append_control(db: Database, session_id: int, action: ControlAction, made_by: str, reason: str,
                   flag: Flag | None = None, at_us: int | None = None) -> ControlRecord:
    """Append one action to the session's control log, with who, why and the host time (inside a write unit)."""
    if not made_by.strip():
        raise InputError("--by: who does it must be given")
    made_at = now_text()
    row = {"session_id": session_id, "action": action.value, "flag": None if flag is None else flag.value,
           "at_us": at_us, "made_by": made_by, "reason": reason, "made_at": made_at}
    control_id = int(db["session_control"].insert(row).last_pk)  # type: ignore[arg-type]
    return ControlRecord(control_id, session_id, action, flag, at_us, made_by, reason, made_at)


def _record(row: dict) -> ControlRecord:
    return ControlRecord(row["id"], row["session_id"], ControlAction(row["action"]),
                         None if row["flag"] is None else Flag(row["flag"]), row["at_us"], row["made_by"],
                         row["reason"] or "", row["made_at"])


def control_log(db: Database, session_id: int) -> list[ControlRecord]:
    """The session's flags, finish, confirmations and reopenings, in the order they were made."""
    rows = db.query("SELECT * FROM session_control WHERE session_id = ? ORDER BY id", [session_id])
    return [_record(row) for row in rows]


def decoder_now(db: Database, session_id: int) -> int | None:
    """The decoder time now: the host clock through the offset learned from the session's passings (or None)."""
    return ClockMap().learn_all(load_passings(db, session_id)).decoder_time_us(time.time_ns())


def current_flag(db: Database, session_id: int, state: engine.SessionState | None = None) -> Flag | None:
    """The flag the session shows now: the last one shown, else what its markers say (None before the start).

    A running session whose time is up or whose leader has done its laps shows the checkered flag,
    as the app does, before anyone finishes it: ``state`` is the caller's engine state of the
    session; without it, a duration is checked against the latest passing in one query, and a
    race to a lap count is derived (the sessions list, the web API's sessions).
    """
    row = db.execute("SELECT flag, at_us FROM session_control WHERE session_id = ? AND action = ? "
                     "ORDER BY id DESC LIMIT 1", [session_id, ControlAction.FLAG.value]).fetchone()
    record = get_session(db, session_id)
    finish_us = record.checkered_us if record.checkered_us is not None else _finish_reached_at(db, record, state)
    if record.phase is SessionPhase.FINISHED or finish_us is not None:
        red_after_the_finish = (row is not None and Flag(row[0]) is Flag.RED and row[1] is not None
                                and finish_us is not None and row[1] >= finish_us)
        if not red_after_the_finish:  # a red flag that stopped the session gives way to the finish
            return Flag.CHECKERED
    if row is not None:
        return Flag(row[0])
    return Flag.GREEN if record.green_us is not None else None


def _finish_reached_at(db: Database, record: SessionRecord, state: engine.SessionState | None) -> int | None:
    """When the session's duration or lap count finished it, if a crossing at or after that time has come
    (decoder µs); None while it has not."""
    if state is None:
        rules = record.rules
        if record.phase is not SessionPhase.RUNNING or (rules.duration_us is None and rules.lap_count is None):
            return None
        if rules.lap_count is None:  # time is up once a passing crossed at or after it: one query, no derivation
            if record.green_us is None:
                return None
            latest = db.execute("SELECT MAX(p.decoder_time_us) FROM session_passings s JOIN passings p "
                                "ON p.id = s.passing_id WHERE s.session_id = ?", [record.session_id]).fetchone()[0]
            finish = record.green_us + rules.duration_us
            if latest is None or latest < finish:
                return None
            if rules.session_type.ranks_by_best_lap:
                return finish
            # a race's flag falls as its leader crosses once the time is up: derived below
        state = engine.start(load_setup(db, record.session_id), load_passings(db, record.session_id))
    finish = state.finish_at_us
    return finish if finish is not None and state.latest_us is not None and state.latest_us >= finish else None


def results_status(db: Database, session_id: int) -> ResultsStatus:
    """Live while the session runs, provisional once finished, official once confirmed (until reopened)."""
    if get_session(db, session_id).phase is not SessionPhase.FINISHED:
        return ResultsStatus.LIVE
    row = db.execute("SELECT action FROM session_control WHERE session_id = ? AND action IN (?, ?) "
                     "ORDER BY id DESC LIMIT 1",
                     [session_id, ControlAction.CONFIRM.value, ControlAction.REOPEN.value]).fetchone()
    official = row is not None and ControlAction(row[0]) is ControlAction.CONFIRM
    return ResultsStatus.OFFICIAL if official else ResultsStatus.PROVISIONAL


def _open_session(db: Database, session_id: int) -> SessionRecord:
    record = get_session(db, session_id)
    if record.phase is SessionPhase.FINISHED:
        raise InputError(f"session {record.session_id} ({record.name}) is finished")
    return record


def _now_or_given(db: Database, session_id: int, at_us: int | None) -> int:
    if at_us is not None:
        return at_us
    now = decoder_now(db, session_id)
    if now is None:
        raise InputError(f"session {session_id} has no passing with a receive time yet, "
                         "so the decoder's clock is unknown; give --at-us")
    return now


def show_flag(db: Database, session_id: int, flag: Flag, *, made_by: str, reason: str = "",
              at_us: int | None = None) -> ControlRecord:
    """Show a flag at this decoder time (default: now, through the decoder clock learned from the passings).

    Green starts timing when the session has none yet (or corrects the start when given again while
    green); after a yellow or red it only clears the track. Checkered sets the session's checkered
    flag. Yellow and red are kept and shown and change no lap. A finished session is refused, and so
    is a yellow or red before the start.
    """
    with write_transaction(db):
        record = _open_session(db, session_id)
        at_us = _now_or_given(db, session_id, at_us)
        if flag is Flag.GREEN:
            restarts = current_flag(db, session_id) in (Flag.YELLOW, Flag.RED)
            if record.green_us is None or not restarts:
                update_session(db, session_id, green_us=at_us)
        elif flag is Flag.CHECKERED:
            update_session(db, session_id, checkered_us=at_us)
        elif record.green_us is None:
            raise InputError(f"session {session_id} ({record.name}) has not started (no green flag); "
                             f"a {flag.value} flag needs a session on track")
        return append_control(db, session_id, ControlAction.FLAG, made_by, reason, flag, at_us)


def finish_session(db: Database, session_id: int, *, made_by: str, reason: str = "",
                   at_us: int | None = None, flag_now: bool = True, enter_unknown: bool = False) -> Finished:
    """Show the checkered flag (if not shown) and finish the session: phase finished, derived results written.

    The one finish policy, for an official (``laptiming finish``, the app) and for a recorder whose
    source ended (``flag_now=False``: a replayed capture's clock says nothing about now). The checkered
    flag is ``at_us`` when given, else the one already shown, else now (decoder clock learned from the
    passings, with ``flag_now``), else just after the last passing. With ``enter_unknown``,
    transponders still unknown are entered first. The results are provisional until
    :func:`confirm_results`. A recorder running on the session notices within a second and ends.
    Call inside a write transaction of your own, or let this open one.
    """
    with write_transaction(db):
        record = _open_session(db, session_id)
        passings = load_passings(db, session_id)
        result = engine.derive_session(passings, load_setup(db, session_id))
        if enter_unknown and result.unknown:
            enter_by_number(db, session_id, [unknown.transponder for unknown in result.unknown])
        checkered = at_us if at_us is not None else record.checkered_us
        if checkered is None and flag_now:
            checkered = ClockMap().learn_all(passings).decoder_time_us(time.time_ns())
        if checkered is None and result.verdicts:  # added passings count too
            checkered = max(verdict.passing.decoder_time_us for verdict in result.verdicts) + 1
        shown_now = checkered is not None and checkered != record.checkered_us
        if shown_now:
            append_control(db, session_id, ControlAction.FLAG, made_by, reason, Flag.CHECKERED, checkered)
        update_session(db, session_id, checkered_us=checkered, phase=SessionPhase.FINISHED)
        append_control(db, session_id, ControlAction.FINISH, made_by, reason, at_us=checkered)
        result = engine.derive_session(passings, load_setup(db, session_id))
        write_derived(db, session_id, result)
        return Finished(get_session(db, session_id), checkered, shown_now, result)


def confirm_results(db: Database, session_id: int, *, made_by: str, reason: str = "") -> ControlRecord:
    """Make a finished session's results official; corrections are refused from then on unless reopened."""
    with write_transaction(db):
        record = get_session(db, session_id)
        status = results_status(db, session_id)
        if status is ResultsStatus.LIVE:
            raise InputError(f"session {session_id} ({record.name}) is not finished; finish it first")
        if status is ResultsStatus.OFFICIAL:
            raise InputError(f"session {session_id} ({record.name}): its results are already official")
        holder = lock_holder(db_path(db), session_id)
        if holder is not None:
            raise InputError(f"session {session_id} ({record.name}) is still being timed by {holder.describe()}; "
                             "confirm once it has ended")
        return append_control(db, session_id, ControlAction.CONFIRM, made_by, reason)


def reopen_results(db: Database, session_id: int, *, made_by: str, reason: str) -> ControlRecord:
    """Official results back to provisional, so they can be corrected; a reason is required."""
    with write_transaction(db):
        record = get_session(db, session_id)
        if not reason.strip():
            raise InputError("--reason: reopening official results needs a reason")
        if results_status(db, session_id) is not ResultsStatus.OFFICIAL:
            raise InputError(f"session {session_id} ({record.name}): its results are not official; "
                             "there is nothing to reopen")
        return append_control(db, session_id, ControlAction.REOPEN, made_by, reason)


def resume_timing(db: Database, session_id: int, *, made_by: str, reason: str) -> ControlRecord:
    """A finished session timed again (it was finished too soon): running, its checkered flag withdrawn.

    The green flag is shown again (it is the flag the session shows until its time is up or someone
    shows another), the stored results go until it finishes again, and a recorder started on the
    session's name resumes it. Refused without a reason, for a session that is not finished, and
    for official results (reopen them first: they were someone's word).
    """
    with write_transaction(db):
        record = get_session(db, session_id)
        if not reason.strip():
            raise InputError("--reason: timing a finished session again needs a reason")
        status = results_status(db, session_id)
        if status is ResultsStatus.LIVE:
            raise InputError(f"session {session_id} ({record.name}) is not finished; there is nothing to resume")
        if status is ResultsStatus.OFFICIAL:
            raise InputError(f"session {session_id} ({record.name}): its results are official; "
                             "reopen them first (--reopen with a reason)")
        reopen_for_timing(db, session_id)
        clear_derived(db, session_id)
        resumed = append_control(db, session_id, ControlAction.RESUME, made_by, reason)
        append_control(db, session_id, ControlAction.FLAG, made_by, reason, Flag.GREEN)
        return resumed


def require_correctable(db: Database, session_id: int) -> None:
    """Refuse a correction to official results (an :class:`InputError` saying how to reopen them)."""
    if results_status(db, session_id) is not ResultsStatus.OFFICIAL:
        return
    confirmed = [entry for entry in control_log(db, session_id) if entry.action is ControlAction.CONFIRM][-1]
    raise InputError(f"session {session_id}: its results are official (confirmed by {confirmed.made_by} at "
                     f"{confirmed.made_at}); give --reopen with a reason to correct them")


def require_no_official_change(db: Database, transponder: int, from_us: int | None) -> None:
    """Refuse a transponder assignment that would change official results: one whose transponder has
    passings, from ``from_us`` on (all of them when None), in a session whose results are official."""
    rows = db.execute(
        "SELECT DISTINCT s.session_id FROM session_passings s JOIN passings p ON p.id = s.passing_id "
        "WHERE p.transponder = ? AND p.decoder_time_us >= ? ORDER BY s.session_id",
        [transponder, -NEVER_US if from_us is None else from_us],
    ).fetchall()
    official = [row[0] for row in rows if results_status(db, row[0]) is ResultsStatus.OFFICIAL]
    if official:
        sessions = ", ".join(str(session_id) for session_id in official)
        raise InputError(f"transponder {transponder} has passings in session(s) {sessions} whose results are "
                         "official; reopen them first (laptiming finish --reopen) or give a later --from")
