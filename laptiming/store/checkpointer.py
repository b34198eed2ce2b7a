"""The WAL checkpointer: copies the write-ahead log into the database off the commit path, by volume.

The journal writer's connection never checkpoints (that would stall a commit for milliseconds
every thousand pages); this thread, with its own connection, checkpoints in RESTART mode once
the WAL holds :data:`CHECKPOINT_FRAMES` frames since it last started again, some not yet copied
(about 6 MB: one checkpoint in about 500 live passings), waiting at most 10 ms for the writer between two commits. The next
commit then writes the WAL from its start again, over blocks the file already has. With PASSIVE
checkpoints a steady stream of commits never let the WAL restart, so every commit grew the file
and its fdatasync had to journal the new size too (p99 8.7-9.0 ms on the live bench).

Why by volume and not on a timer: the first commit after a restart writes a new WAL header, and
SQLite syncs that header before the commit's own frames, so that commit waits for the disk
twice. Checkpointing four times a second, as this did before, made nearly every passing at a
race's pace (one every few hundred ms) sync twice: with a passing every 0.3 s the live path took
p50 1.14 ms against 0.98 ms by volume. Back to back the two policies measured the same.

The WAL's length and how much of it is copied are read from the wal-index header in the ``-shm``
file (``mxFrame`` and ``nBackfill``, laid out as https://sqlite.org/walformat.html describes for
the unix and windows VFSes). The length, not what is left to copy, decides: a checkpoint that a
reader or the writer kept from completing copies frames but does not start the WAL again, and is
tried again until it does. The header only decides when; where it cannot be read, or is not that
layout, the thread checkpoints on a timer instead, as before.
"""

from __future__ import annotations

import logging
import sqlite3
import struct
import threading
from io import FileIO
from pathlib import Path

log = logging.getLogger(__name__)

CHECKPOINT_MODE = "RESTART"  # see the module docstring: PASSIVE let the WAL grow under steady commits
CHECKPOINT_WAIT_S = 0.01  # the longest the checkpointer waits for the writer (else it tries again later)
CHECKPOINT_FRAMES = 1_500  # WAL frames (about 6 MB of 4 KiB pages): the WAL stays inside its 8 MB (store.walfile)
LOOK_EVERY_S = 0.025  # how often the wal-index header is read (back to back, 25 ms is about 175 frames)
TIMER_EVERY_S = 0.25  # the checkpoint interval without a readable header, and the pause after a blocked one

WAL_INDEX_VERSION = 3007000  # iVersion of the wal-index header (walformat.html)
_HEADER = struct.Struct("=I12xI")  # iVersion at 0, mxFrame at 16 (host byte order)
_BACKFILL = struct.Struct("=I")  # nBackfill at 96, in the checkpoint information after the header's two copies
_BACKFILL_AT = 96
_HEADER_BYTES = 136


def wal_frames(header: bytes) -> tuple[int, int] | None:
    """The frames in the WAL since it last started again, and how many of them are copied into the database,
    from the first bytes of the ``-shm`` file; None when they are not a wal-index header of the known layout."""
    if len(header) < _HEADER_BYTES:
        return None
    version, max_frame = _HEADER.unpack_from(header, 0)
    (backfilled,) = _BACKFILL.unpack_from(header, _BACKFILL_AT)
    if version != WAL_INDEX_VERSION:
        return None
    return max_frame, min(backfilled, max_frame)  # more only while a writer starts the WAL again (both go to 0)


def checkpoint_due(frames: tuple[int, int] | None) -> bool:
    """Whether to checkpoint now: the WAL is long enough and not all of it is copied yet (a checkpoint that a
    reader or the writer kept from completing is tried again), or the wal-index cannot be read (the timer)."""
    if frames is None:
        return True
    in_wal, copied = frames
    return in_wal >= CHECKPOINT_FRAMES and copied < in_wal


def next_look_s(done: bool | None, estimating: bool) -> float:
    """The pause before the next round: short while the wal-index is read and nothing was blocked; the
    timer's after a blocked checkpoint, and throughout when the header cannot be read."""
    return LOOK_EVERY_S if estimating and done is not False else TIMER_EVERY_S


class WalCheckpoint:
    """The checkpointer's own connection and its view of the wal-index; :meth:`look` is one round."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._conn = sqlite3.connect(path, timeout=CHECKPOINT_WAIT_S)
        self._shm = _open_wal_index(path)
        self.checkpoints = 0  # completed checkpoints
        self.estimating = self._shm is not None  # False while the header cannot be read: on the timer

    def frames(self) -> tuple[int, int] | None:
        """The WAL's frames since it last started again, and how many are copied (None: the header cannot be read)."""
        if self._shm is None:
            return None
        try:
            self._shm.seek(0)
            return wal_frames(self._shm.read(_HEADER_BYTES))
        except OSError:
            return None

    def look(self) -> bool | None:
        """Checkpoint if it is due: True when one completed, False when one was kept from completing
        (the writer or a reader held on longer than 10 ms), None when none was due."""
        frames = self.frames()
        self.estimating = frames is not None
        if not checkpoint_due(frames):
            return None
        try:
            blocked = self._conn.execute(f"PRAGMA wal_checkpoint({CHECKPOINT_MODE})").fetchone()[0]
        except sqlite3.Error as err:  # busy or locked: try again after a pause
            log.debug("checkpoint of %s skipped: %s", self._path, err)
            return False
        if blocked:
            return False
        self.checkpoints += 1
        return True

    def close(self) -> None:
        """Close the connection and the ``-shm`` file."""
        if self._shm is not None:
            self._shm.close()
            self._shm = None
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


def _open_wal_index(path: Path) -> FileIO | None:
    """The ``-shm`` file, open for reading, unbuffered (None: there is none to read, so checkpoint on the timer)."""
    try:
        return FileIO(f"{path}-shm", "r")
    except OSError as err:
        log.debug("%s: no wal-index to read (%s); checkpointing on a timer", path, err)
        return None
