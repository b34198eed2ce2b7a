"""The app in a real terminal (a pty) that goes away with no hangup signal: it leaves as after quit.

A launcher such as ``make demo`` keeps SIGHUP to itself; the app once went on recording unseen,
its input thread reading end-of-file at a whole core, holding the session from the next terminal.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from laptiming.app import demo
from laptiming.store import SessionPhase, list_sessions, open_event_db

SCREEN_WITHIN_S = 30.0
LEAVE_WITHIN_S = 15.0  # it looks once a second


def read_until(fd: int, marker: bytes, timeout: float) -> bytes:
    """What the app drew on the terminal, up to and including ``marker``."""
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise AssertionError(f"{marker!r} not drawn within {timeout:g} s; the screen had {seen[-400:]!r}")
        seen += os.read(fd, 65536)
    return seen


def run_in_a_terminal_that_goes(args: list[str], drawn: bytes) -> int:
    """Start ``laptiming args`` in a pty, wait until it has drawn ``drawn``, close the pty; its exit code."""
    terminal, app_side = pty.openpty()
    fcntl.ioctl(app_side, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    # A new session, and the pty never made its controlling terminal: closing it sends no SIGHUP.
    app = subprocess.Popen([sys.executable, "-m", "laptiming", *args], stdin=app_side, stdout=app_side,
                           stderr=app_side, start_new_session=True, env={**os.environ, "TERM": "xterm-256color"})
    os.close(app_side)
    try:
        try:
            read_until(terminal, drawn, SCREEN_WITHIN_S)
        finally:
            os.close(terminal)  # the terminal window closes
        return app.wait(LEAVE_WITHIN_S)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()


def test_the_app_leaves_as_after_quit_when_its_terminal_goes_without_a_hangup_signal(tmp_path: Path) -> None:
    db_path = tmp_path / "demo.db"
    assert run_in_a_terminal_that_goes(["demo", "--db", str(db_path)], b"GREEN") == 0  # while a session is timed
    db = open_event_db(db_path, readonly=True)
    try:
        running = [s.name for s in list_sessions(db) if s.phase is SessionPhase.RUNNING]
    finally:
        db.close()
    assert running == ["Session 2"]  # left running, to resume in the next terminal, as quit does


def test_the_board_leaves_when_its_terminal_goes_without_a_hangup_signal(tmp_path: Path) -> None:
    db_path = tmp_path / "demo.db"
    demo.prepare(db_path)  # a day with no session running yet
    assert run_in_a_terminal_that_goes(["board", "--db", str(db_path)], b"waiting for a session") == 0
