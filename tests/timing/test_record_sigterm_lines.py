"""SIGTERM while ``record`` prints a backlog of standings: it stops between lines, never inside one, and says
how the session stands.

A supervisor (systemd, a script) stops the recorder with SIGTERM, often while it prints many lines (a capture
read flat out, passings held behind another program's lock). The stop was raised as an exception inside
``print``: a line lost its end and ran into the next one (``...car 4960229unknown transponder 7644754``); and
once the recording was closing, a SIGTERM killed the process, the rest of its lines and its report unsaid.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys

from tests.timing.test_record_kill import LINE_TIMEOUT, killed_if_left, start_reading

ROW = re.compile(r"^\s+\d+\s+\d+\s")  # a standings line: position, car number, ...
WORDS = ("unknown transponder ", "link ", "recording session ", "starting planned ", "resuming session ")


def test_a_sigterm_while_printing_stops_between_lines_and_the_report_is_said(tmp_path):
    db = tmp_path / "event.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "laptiming", "record", "sim://?cars=60&seed=4&speed=0&minutes=120",
         "--db", str(db), "--session", "Practice", "--enter-unknown"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    with killed_if_left(process):
        lines = start_reading(process)
        shown = []
        while not any(ROW.match(line) for line in shown):  # printing the standings (one batch or many)
            line = lines.get(timeout=LINE_TIMEOUT)
            assert line is not None, f"{len(shown)} lines, then: {process.wait(LINE_TIMEOUT)} {process.stderr.read()}"
            shown.append(line)
        process.send_signal(signal.SIGTERM)
        while (line := lines.get(timeout=LINE_TIMEOUT)) is not None:
            shown.append(line)
        assert process.wait(LINE_TIMEOUT) == 0, process.stderr.read()
    for line in shown:  # each kind of line starts with its words: inside a line, the one before lost its end
        assert not any(words in line[1:] for words in WORDS), f"two lines run together: {line!r}"
    assert shown[-2:] == ["Corrections:\n", "  none\n"] or shown[-1].startswith("session 1 is still running; ")
