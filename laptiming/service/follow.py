"""Following the running session from the event database, incrementally, from another process.

Each look reads only what was journaled since the last one (``session_passings`` ids only grow)
and the setup's fingerprint; new passings go through the engine's fold (``step``), a changed
setup through ``resetup``. The whole session is read once, when a new session starts running.
Read-only: this never writes a byte of the database, so it cannot slow the recorder down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from laptiming import engine
from laptiming.engine import SessionEvent, SessionSetup, SessionState
from laptiming.service.control import Flag, current_flag
from laptiming.store import SessionPhase, SessionRecord, get_session, load_setup, open_event_db
from laptiming.store.journal import passings_since
from laptiming.store.sessions import setup_fingerprint


@dataclass(frozen=True, slots=True)
class SessionStarted:
    """A session is running that was not followed before: its record and its state so far."""

    session: SessionRecord
    state: SessionState


@dataclass(frozen=True, slots=True)
class SessionChanged:
    """What happened in the followed session since the last look: engine events (a batch per step) and the setup now."""

    batches: Sequence[Sequence[SessionEvent]]
    setup: SessionSetup
    passings: int = 0


@dataclass(slots=True)
class _Followed:
    session_id: int
    state: SessionState
    last_passing_id: int
    fingerprint: tuple[object, ...] = field(default=())


class SessionFollower:
    """Looks at an event database for the running session and what changed in it (own read connection)."""

    def __init__(self, db_path: str | Path) -> None:
        self.db = open_event_db(db_path, readonly=True)
        self._followed: _Followed | None = None

    @property
    def session_id(self) -> int | None:
        """The session followed now (it stays followed once finished, until another one runs)."""
        return None if self._followed is None else self._followed.session_id

    @property
    def state(self) -> SessionState | None:
        """The followed session's engine state."""
        return None if self._followed is None else self._followed.state

    def _running(self) -> int | None:
        row = self.db.execute("SELECT id FROM sessions WHERE phase = ? ORDER BY id DESC LIMIT 1",
                              [SessionPhase.RUNNING.value]).fetchone()
        return None if row is None else int(row[0])

    def look(self) -> SessionStarted | SessionChanged | None:
        """One look: a newly running session, or the followed one's changes (None: nothing new)."""
        running = self._running()
        if running is not None and (self._followed is None or running > self._followed.session_id):
            fingerprint = setup_fingerprint(self.db, running)
            setup = load_setup(self.db, running)
            passings, last = passings_since(self.db, running, 0)
            state = engine.start(setup, passings)
            self._followed = _Followed(running, state, last, fingerprint)
            return SessionStarted(get_session(self.db, running), state)
        followed = self._followed
        if followed is None:
            return None
        batches: list[Sequence[SessionEvent]] = []
        fingerprint = setup_fingerprint(self.db, followed.session_id)
        setup_changed = fingerprint != followed.fingerprint  # said even when no row moves (a lap count set)
        if setup_changed:
            followed.fingerprint = fingerprint
            followed.state, produced = engine.resetup(followed.state, load_setup(self.db, followed.session_id))
            batches.append(produced)
        passings, followed.last_passing_id = passings_since(self.db, followed.session_id, followed.last_passing_id)
        for passing in passings:
            followed.state, produced = engine.step(followed.state, passing)
            batches.append(produced)
        if not setup_changed and not any(batches):
            return None
        return SessionChanged(batches, followed.state.setup, len(passings))

    def flag(self) -> Flag | None:
        """The flag the followed session shows (green, yellow, red, checkered; None before the start)."""
        followed = self._followed
        return None if followed is None else current_flag(self.db, followed.session_id, followed.state)

    def close(self) -> None:
        """Close the read connection."""
        self.db.close()
