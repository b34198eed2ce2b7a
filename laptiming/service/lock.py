"""One recorder per session: an OS file lock beside the event database, released by the kernel on death.

``event.db`` gets ``event.db.session-3.lock`` for session 3. The recorder holds an exclusive
``fcntl.flock`` on it while it times the session and writes who it is (host, pid, program, since
when) into it, and what it hears from its decoder as that changes (:mod:`laptiming.service.decoder_link`).
A second recorder (a ``record`` in another terminal, the app) cannot take the lock
and is refused at once with a message naming the holder. A recorder killed with ``kill -9`` or
by a power cut holds nothing any more: the kernel drops the lock with the process, so the next
recorder starts at once. The file itself stays (removing a lock file races with the next taker).

The lock file's record is written once, when the lock is taken. The decoder link, which changes
while the session runs, goes to a small file beside it (``event.db.session-3.lock.link``) that is
written whole under another name and renamed over the old one, so a reader finds the old word or
the new one, never half of each. (The lock file itself cannot be replaced so: the flock is on its
inode.) The link file names the lock record it belongs to (a token), so a word left by a recorder
that died is not taken for the word of the one that holds the lock now.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from laptiming.errors import InputError
from laptiming.service.decoder_link import DecoderLink, link_of

RELEASE_POLL_S = 0.05  # how often a wait for a recorder to let go looks again
SETTLE_S = 0.5  # how long a refused taker waits for a holder that has just taken the lock to say who it is
SETTLE_POLL_S = 0.002  # ... looking again this often (the holder writes its record right after taking the lock)


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds a session's recorder lock, as it wrote itself into the lock file."""

    host: str
    pid: int
    program: str
    since: str
    decoder: DecoderLink | None = None  # the recorder's decoder link, as it last said (None: not said)
    journal_held: bool = False  # the recorder holds passings it cannot write yet (a lock held elsewhere, a full disk)

    @property
    def hears_decoder(self) -> bool:
        """Whether passings can reach the session now, as the recorder says: it hears its decoder, or has not said
        (a recorder that does not tell); else the standings stand, and so should a race clock."""
        return self.decoder is None or self.decoder.heard

    def describe(self) -> str:
        """``laptiming record (pid 1234 on host trackside, since 2026-06-13T09:00:01Z)``."""
        return f"{self.program} (pid {self.pid} on host {self.host}, since {self.since})"


def lock_path(db_path: Path, session_id: int) -> Path:
    """The lock file of one session: beside the database, named after it."""
    return db_path.parent / f"{db_path.name}.session-{session_id}.lock"


def link_path(path: Path) -> Path:
    """The file beside lock file ``path`` where its holder says its decoder link (replaced whole on each change)."""
    return path.with_name(path.name + ".link")


def write_link(path: Path, token: str, decoder: DecoderLink | None, journal_held: bool = False) -> None:
    """Say ``decoder`` (and whether passings wait for the journal) for the lock record ``token`` beside lock file
    ``path``: written whole to a file of this process's own, then renamed over the old one, so a reader never
    finds a torn or missing word."""
    target = link_path(path)
    scratch = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    data = json.dumps({"token": token, "decoder_link": None if decoder is None else decoder.value,
                       "journal_held": journal_held}).encode("utf-8")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(scratch, target)


def _remove_scratch_links(path: Path) -> None:
    """Remove what a holder of lock file ``path`` killed while telling its link left (``<link>.<pid>.tmp``). Only the
    holder writes the link, so once the lock is taken nobody else is writing one of these."""
    link = link_path(path)
    for scratch in link.parent.glob(f"{glob.escape(link.name)}.*.tmp"):
        scratch.unlink(missing_ok=True)


def _said_beside(path: Path, record: dict | None) -> dict | None:
    """What the holder named by ``record`` said beside lock file ``path`` (None: nothing, or a former holder's)."""
    if record is None or record.get("token") is None:
        return None
    try:
        said = json.loads(link_path(path).read_bytes().decode("utf-8"))
    except (OSError, ValueError):
        return None
    return said if isinstance(said, dict) and said.get("token") == record["token"] else None


def read_record(fd: int) -> dict | None:
    """What the holder of a lock file wrote into it (None while it is being written, or never written)."""
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "null")
    except (ValueError, OSError):
        return None
    return data if isinstance(data, dict) else None


def holder_of(record: dict | None) -> LockHolder | None:
    """The holder a lock file's record names (None when it has not said yet)."""
    try:
        return None if record is None else LockHolder(str(record["host"]), int(record["pid"]),
                                                      str(record["program"]), str(record["since"]),
                                                      link_of(record))
    except (ValueError, TypeError, KeyError):
        return None


def describe_holder(record: dict | None) -> str:
    """Who holds a lock, for a refusal: ``laptiming record (pid 1234 on host ...)``, or ``another program``."""
    holder = holder_of(record)
    return "another program" if holder is None else holder.describe()


def _read_holder(path: Path, fd: int) -> LockHolder | None:
    """The holder a held lock file names, with the decoder link it said beside it."""
    record = read_record(fd)
    holder = holder_of(record)
    if holder is None or holder.decoder is not None:
        return holder
    said = _said_beside(path, record)
    return LockHolder(holder.host, holder.pid, holder.program, holder.since, link_of(said),
                      bool(said and said.get("journal_held") is True))


def take_exclusive(path: Path) -> tuple[int | None, dict | None]:
    """An exclusive ``flock`` on ``path`` (made if missing), never waiting for a holder: ``(descriptor, None)``
    when taken, ``(None, what the holder wrote)`` when another process holds it; an :class:`InputError` if it
    cannot be made. A holder that has not said who it is yet (it took the lock an instant ago: the file is still
    empty, or names the holder before it, now dead) is given :data:`SETTLE_S` to say it, the lock tried again
    meanwhile, so a refusal names the holder rather than "another program"."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise InputError(f"cannot make the recorder lock {path}: {err.strerror or err}") from err
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            record = read_record(fd)
            os.close(fd)
            if _names_a_live_holder(record) or time.monotonic() >= deadline:
                return None, record
            time.sleep(SETTLE_POLL_S)
            continue
        return fd, None


def _names_a_live_holder(record: dict | None) -> bool:
    """Whether a lock record names a holder that may be alive (one on this host whose process is gone is not)."""
    holder = holder_of(record)
    if holder is None:
        return False
    if holder.host != socket.gethostname():
        return True
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def write_record(fd: int, program: str, since: str | None = None, **about: object) -> str:
    """Say who holds the lock (host, pid, program, since when, and ``about``) in its file, replacing what was there;
    the ``since`` written (now, unless given). One write over the old record, padded with spaces to its length
    (JSON allows them): the file is never cut, so a reader finds the old record or the new one, not the new one
    with the end of a longer old one after it (which it would take as "not said yet")."""
    since = since or datetime.now(timezone.utc).isoformat(timespec="seconds")
    me = json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "program": program, "since": since, **about})
    data = me.encode("utf-8")
    data += b" " * (os.fstat(fd).st_size - len(data))
    os.pwrite(fd, data, 0)
    return since


def already_timed(session_id: int, session_name: str, record: dict | None) -> str:
    """One line: the session is being timed, by whom (the session's own lock, or its decoder's naming it)."""
    return (f"session {session_id} ({session_name}) is already being timed by {describe_holder(record)}; "
            "stop that one first (a recorder that died holds nothing)")


class RecorderLock:
    """The exclusive right to time one session; take it with :meth:`acquire`, give it back with :meth:`release`."""

    def __init__(self, path: Path, fd: int, token: str = "") -> None:
        """A lock taken (``fd``) whose record carries ``token`` (the link file names it); see :meth:`acquire`."""
        self.path = path
        self._fd: int | None = fd
        self._token = token

    @classmethod
    def acquire(cls, db_path: str | Path, session_id: int, session_name: str,
                program: str = "laptiming record") -> RecorderLock:
        """Take the session's lock now or raise an :class:`InputError` naming who holds it (never waits)."""
        path = lock_path(Path(db_path), session_id)
        fd, record = take_exclusive(path)
        if fd is None:
            raise InputError(already_timed(session_id, session_name, record))
        token = secrets.token_hex(8)
        write_record(fd, program, token=token)
        _remove_scratch_links(path)
        return cls(path, fd, token)

    def tell(self, decoder: DecoderLink | None, journal_held: bool = False) -> None:
        """Say what the recorder hears from its decoder now, and whether it holds passings it cannot write yet (when
        either changes), for the page, the feed, the board: beside the lock file, replaced whole (see the module's
        docstring)."""
        if self._fd is not None:
            write_link(self.path, self._token, decoder, journal_held)

    def release(self) -> None:
        """Give the lock back (idempotent); the file stays for the next recorder."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            link_path(self.path).unlink(missing_ok=True)  # still held: no other holder's word to remove
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the descriptor drops the flock


def wait_for_release(db_path: str | Path, session_id: int, timeout_s: float) -> LockHolder | None:
    """Wait (at most ``timeout_s``) until nobody times the session; who still does then, or None.

    After a finish made in another terminal the recorder takes it up within a second, journals the
    passings it has read meanwhile and lets go: results read after that are the ones it leaves.
    """
    deadline = time.monotonic() + timeout_s
    while (holder := lock_holder(db_path, session_id)) is not None and time.monotonic() < deadline:
        time.sleep(RELEASE_POLL_S)
    return holder


def lock_holder(db_path: str | Path, session_id: int) -> LockHolder | None:
    """Who is timing the session now (None when nobody is): for the app's Day screen and for refusals."""
    path = lock_path(Path(db_path), session_id)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(path, fd) or LockHolder("?", 0, "another program", "?")
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
