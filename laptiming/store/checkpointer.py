"""The WAL checkpointer: copies the write-ahead log into the database off the commit path, by volume.

The journal writer's connection never checkpoints (that would stall a commit for milliseconds
every thousand pages); this thread, with its own connection, checkpoints in RESTART mode once
the WAL holds :data:`CHECKPOINT_FRAMES` frames since it last started again (about 6 MB: one
checkpoint in about 500 live passings), waiting at most 10 ms for the writer between two commits. The next
commit then writes the WAL from its start again, over blocks the file already has. With PASSIVE
checkpoints a steady stream of commits never let the WAL restart, so every commit grew the file
and its fdatasync had to journal the new size too (p99 8.7-9.0 ms on the live bench).

Why by volume and not on a timer: the first commit after a restart writes a new WAL header, and
SQLite syncs that header before the commit's own frames, so that commit waits for the disk
twice. Checkpointing four times a second, as this did before, made nearly every passing at a
race's pace (one every few hundred ms) sync twice: with a passing every 0.3 s the live path took
p50 1.14 ms against 0.98 ms by volume. Back to back the two policies measured the same.

The WAL's length since it last started again is read from the ``-wal`` file itself: its header's
salts, and how many frames from its start carry them (https://sqlite.org/fileformat2.html#walformat;
found by a binary search, a few 8-byte reads). A checkpoint that a reader or the writer kept from
completing copies frames but does not start the WAL again, and is tried again until it does; a
WAL that has not changed since the last completed checkpoint is left alone. The reading only
decides when; where the file cannot be read, or is not that format, the thread checkpoints on a
timer instead.

Not the ``-shm`` file, although its wal-index header holds the same count: SQLite's locks on it
are POSIX record locks, which belong to the process, and closing *any* descriptor of the file
drops them all. A checkpointer that read the ``-shm`` and closed it when a session ended left
the app holding no lock there; the next program to open the database took itself for the first,
truncated the ``-shm``, and the app died of SIGBUS on its next read. SQLite takes no lock on the
``-wal`` file.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from io import FileIO
from pathlib import Path

log = logging.getLogger(__name__)

CHECKPOINT_MODE = "RESTART"  # see the module docstring: PASSIVE let the WAL grow under steady commits
CHECKPOINT_WAIT_S = 0.01  # the longest the checkpointer waits for the writer (else it tries again later)
CHECKPOINT_FRAMES = 1_500  # WAL frames (about 6 MB of 4 KiB pages): the WAL stays inside its 8 MB (store.walfile)
LOOK_EVERY_S = 0.025  # how often the WAL's length is read (back to back, 25 ms is about 175 frames)
TIMER_EVERY_S = 0.25  # the checkpoint interval when the length cannot be read, and the pause after a blocked one

WAL_MAGIC = (0x377F0682, 0x377F0683)  # the two checksum byte orders (fileformat2.html, "WAL File Format")
_WAL_HEADER = struct.Struct(">II I 4x 8s")  # magic, format version, page size, (checkpoint sequence), salt-1 and -2
_WAL_HEADER_BYTES = 32
_FRAME_HEADER_BYTES = 24
_FRAME_SALTS_AT = 8  # a frame header: page number, database size after a commit, then the header's two salts
ReadAt = Callable[[int, int], bytes]  # (offset, length) -> the bytes there (fewer past the end)


@dataclass(frozen=True, slots=True)
class WalLength:
    """The WAL since it last started again: its salts (new at each restart) and how many frames carry them."""

    salts: bytes
    frames: int


def wal_length(read_at: ReadAt) -> WalLength | None:
    """The WAL's salts and its frames since it last started again, from the ``-wal`` file's bytes; None when
    they are not a WAL of the known format. Frames from the start that carry the header's salts are the log,
    the first that does not (a stale frame, or the zeros :mod:`.walfile` wrote) ends it: found by halving."""
    header = read_at(0, _WAL_HEADER_BYTES)
    if len(header) < _WAL_HEADER_BYTES:
        return None
    magic, _, page_size, salts = _WAL_HEADER.unpack_from(header)
    if magic not in WAL_MAGIC or page_size < 512 or page_size & (page_size - 1):
        return None
    frame_bytes = _FRAME_HEADER_BYTES + page_size

    def in_log(frame: int) -> bool:
        return read_at(_WAL_HEADER_BYTES + frame * frame_bytes + _FRAME_SALTS_AT, len(salts)) == salts

    if not in_log(0):
        return WalLength(salts, 0)
    known_in, known_out = 0, 1  # frame 0 is in the log; find one that is not, then halve the gap
    while in_log(known_out):
        known_in, known_out = known_out, known_out * 2
    while known_out - known_in > 1:
        middle = (known_in + known_out) // 2
        known_in, known_out = (middle, known_out) if in_log(middle) else (known_in, middle)
    return WalLength(salts, known_out)


def checkpoint_due(length: WalLength | None, at_last_checkpoint: WalLength | None) -> bool:
    """Whether to checkpoint now: the WAL is long enough and has changed since the last completed checkpoint
    (one that a reader or the writer kept from completing is tried again), or its length cannot be read."""
    if length is None:
        return True
    return length.frames >= CHECKPOINT_FRAMES and length != at_last_checkpoint


def next_look_s(done: bool | None, estimating: bool) -> float:
    """The pause before the next round: short while the WAL's length is read and nothing was blocked; the
    timer's after a blocked checkpoint, and throughout when the length cannot be read."""
    return LOOK_EVERY_S if estimating and done is not False else TIMER_EVERY_S


class WalCheckpoint:
    """The checkpointer's own connection and its view of the ``-wal`` file; :meth:`look` is one round."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._conn = sqlite3.connect(path, timeout=CHECKPOINT_WAIT_S)
        self._wal = _open_wal(path)
        self._checkpointed: WalLength | None = None  # the WAL as the last completed checkpoint left it
        self.checkpoints = 0  # completed checkpoints
        self.estimating = self._wal is not None  # False while the WAL's length cannot be read: on the timer

    def length(self) -> WalLength | None:
        """The WAL since it last started again (None: it cannot be read, or is not a WAL)."""
        if self._wal is None:
            self._wal = _open_wal(self._path)  # SQLite makes the file at the first write
            if self._wal is None:
                return None
        fd = self._wal.fileno()
        try:
            return wal_length(lambda offset, size: os.pread(fd, size, offset))
        except OSError:
            return None

    def look(self) -> bool | None:
        """Checkpoint if it is due: True when one completed, False when one was kept from completing
        (the writer or a reader held on longer than 10 ms), None when none was due."""
        length = self.length()
        self.estimating = length is not None
        if not checkpoint_due(length, self._checkpointed):
            return None
        try:
            blocked = self._conn.execute(f"PRAGMA wal_checkpoint({CHECKPOINT_MODE})").fetchone()[0]
        except sqlite3.Error as err:  # busy or locked: try again after a pause
            log.debug("checkpoint of %s skipped: %s", self._path, err)
            return False
        if blocked:
            return False
        self.checkpoints += 1
        self._checkpointed = self.length()  # all copied: nothing to do until the writer adds to it
        return True

    def close(self) -> None:
        """Close the connection and the ``-wal`` file (SQLite holds no lock on it: closing drops none)."""
        if self._wal is not None:
            self._wal.close()
            self._wal = None
        self._conn.close()


class Checkpointer:
    """Runs :class:`WalCheckpoint` rounds on its own thread until stopped."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stop = threading.Event()
        self.checkpointed = threading.Event()  # set at each completed checkpoint
        self._thread = threading.Thread(target=self._run, name=f"wal-checkpoint {path.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            wal = WalCheckpoint(self._path)
        except sqlite3.Error as err:
            log.warning("WAL checkpointer for %s not started: %s", self._path, err)
            return
        try:
            pause = next_look_s(None, wal.estimating)
            while not self._stop.wait(pause):
                done = wal.look()
                if done:
                    self.checkpointed.set()
                pause = next_look_s(done, wal.estimating)
        finally:
            wal.close()

    def stop(self) -> None:
        """End the thread (the last connection to close checkpoints what is left)."""
        self._stop.set()
        self._thread.join()


def _open_wal(path: Path) -> FileIO | None:
    """The ``-wal`` file, open for reading, unbuffered (None: there is none yet)."""
    try:
        return FileIO(f"{path}-wal", "r")
    except OSError as err:
        log.debug("%s: no WAL file to read (%s)", path, err)
        return None
