"""The event database on a disk that is read-only or nearly full: one line, and nothing left behind.

Each test mounts its own small tmpfs (root only; skipped with the reason elsewhere, a failure in CI).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from laptiming.store import JournalWriter, open_event_db
from laptiming.store.walfile import WAL_START_BYTES, grow_wal
from tests.resources import need
from tests.timing.cli_runner import refused_before_the_app, run_cli

SIM = "sim://?cars=2&seed=3&speed=0&minutes=1"


@contextlib.contextmanager
def small_disk(folder: Path, size: str = "2m", *, read_only: bool = False) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on ``folder`` (made here), read-only if asked; unmounted afterwards."""
    need(os.geteuid() == 0, "a small or read-only disk needs a tmpfs mount, and only root may mount")
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    need(mounted.returncode == 0, f"a small disk needs a tmpfs mount, and mount failed: {mounted.stderr.strip()}")
    try:
        if read_only:
            remounted = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True, text=True)
            assert remounted.returncode == 0, remounted.stderr
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_new_database_on_a_read_only_disk_is_one_line(tmp_path):
    """It ended in an OSError traceback (exit 1): cleaning up the half-made file failed on the read-only disk."""
    capture = tmp_path / "day.p3"
    assert run_cli("decoder", "simulate", "--out", capture, "--cars", "2", "--minutes", "2").returncode == 0
    with small_disk(tmp_path / "stick", read_only=True) as disk:
        path = disk / "new.db"
        for command in (("record", SIM, "--db", path, "--session", "P"), ("replay", capture, "--db", path)):
            result = run_cli(*command)
            assert result.returncode == 2, result.stderr
            assert result.stderr.splitlines() == [f"laptiming: cannot create database {path}: Read-only file system"]
        assert refused_before_the_app("run", "--db", path, "--decoder", SIM) == \
            f"laptiming: cannot create database {path}: folder {disk} is not writable"
        assert list(disk.iterdir()) == []


def _free_bytes(folder: Path) -> int:
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


def test_a_wal_that_cannot_be_grown_gives_back_the_room_it_took(tmp_path, caplog):
    """With a few hundred KB free, growing the WAL to 8 MB wrote zeros until the disk was full and left them:
    the disk stayed 100% used and no other file on it could be written (the capture, an export)."""
    with small_disk(tmp_path / "disk") as disk:
        path = disk / "ev.db"
        open_event_db(path, create=True).close()
        (disk / "filler").write_bytes(bytes(_free_bytes(disk) - 300 * 1024))
        wal = Path(f"{path}-wal")
        writer = JournalWriter(path).start()  # grows the WAL before its first commit
        try:
            assert os.path.getsize(wal) < WAL_START_BYTES
            assert _free_bytes(disk) >= 200 * 1024
            (disk / "export.csv").write_bytes(bytes(200 * 1024))  # another file on that disk: still room for it
            writer.flush(10)
            assert writer.error is None
        finally:
            writer.close(10)
    assert f"{wal}: the WAL file was not grown in advance ([Errno 28] No space left on device)" in caplog.messages


def test_growing_the_wal_on_a_full_disk_leaves_it_as_it_was(tmp_path):
    with small_disk(tmp_path / "disk") as disk:
        path = disk / "ev.db"
        db = open_event_db(path, create=True)
        try:
            wal = Path(f"{path}-wal")
            before = wal.read_bytes()
            (disk / "filler").write_bytes(bytes(_free_bytes(disk) - 300 * 1024))
            assert grow_wal(db) == 0
            assert wal.read_bytes() == before
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            db.close()
