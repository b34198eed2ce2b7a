"""The event database on a disk that is read-only or nearly full: one line, and nothing left behind.

Each test mounts its own small tmpfs (root only; skipped with the reason elsewhere, a failure in CI).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

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
