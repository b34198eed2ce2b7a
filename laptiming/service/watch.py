"""Noticing what other terminals change in a running session: flags, entries, corrections; and the
event database's files removed or replaced under the running session."""

from __future__ import annotations

import os
from pathlib import Path

from laptiming.engine import SessionState
from laptiming.service.control import Flag, current_flag
from laptiming.store import open_event_db
from laptiming.store.sessions import setup_fingerprint


class SetupWatcher:
    """Compares a cheap fingerprint of the session's setup with the last one seen (own read connection)."""

    def __init__(self, db_path: Path, session_id: int) -> None:
        self._db = open_event_db(db_path, readonly=True)
        self._session_id = session_id
        self._seen = setup_fingerprint(self._db, session_id)
        self._files = {path: _identity(path) for path in (db_path, db_path.with_name(db_path.name + "-wal"))}

    def files_moved(self) -> str | None:
        """What became of the database's files since the session opened them, if anything: a file removed
        or replaced at its path (a clean-up, a backup put back) takes every later write with it."""
        for path, identity in self._files.items():
            now = _identity(path)
            if identity is not None and now != identity:
                return f"{path} was {'removed' if now is None else 'replaced by another file'}"
        return None

    def changed(self) -> bool:
        """True when the setup differs from the last time it was looked at."""
        current = setup_fingerprint(self._db, self._session_id)
        if current == self._seen:
            return False
        self._seen = current
        return True

    def shown_flag(self, state: SessionState | None) -> Flag | None:
        """The flag the session shows now, whoever showed it (``laptiming flag`` in another terminal too)."""
        return current_flag(self._db, self._session_id, state)

    def close(self) -> None:
        """Close the read connection."""
        self._db.close()


def _identity(path: Path) -> tuple[int, int] | None:
    """The file at ``path`` (device and inode), or None when there is none."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino
