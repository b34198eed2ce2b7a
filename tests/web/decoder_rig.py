"""A real ``laptiming record`` timing a real simulated TCP decoder (``laptiming decoder simulate --tcp``), each
in its own process, with the decoder's cable pulled (the simulator killed) and plugged in again (started again
on the same port). For the page and the feed, which read only the database and the recorder's lock file."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from laptiming.store import open_event_db

WAIT_S = 60
SIMULATED = ("--cars", "4", "--seed", "5", "--speed", "20", "--minutes", "60")  # a lap every few seconds, for long


def free_port() -> int:
    """A loopback TCP port nothing listens on now."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def _end(process: subprocess.Popen, how: signal.Signals) -> None:
    """Send ``how`` to a process this rig started, and wait for it (killed if it does not go)."""
    if process.poll() is None:
        process.send_signal(how)
        try:
            process.wait(WAIT_S)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(WAIT_S)


class DecoderRig:
    """The simulator and the recorder; :meth:`unplug` and :meth:`plug_in` the decoder while the recorder runs."""

    def __init__(self, db_path: Path, session: str) -> None:
        self.db_path = db_path
        self.port = free_port()
        self.url = f"tcp://127.0.0.1:{self.port}"
        self.session = session
        self.decoder: subprocess.Popen | None = None
        self.recorder: subprocess.Popen | None = None

    def plug_in(self) -> None:
        """Start the simulated decoder on the rig's port (the recorder connects, or reconnects, to it)."""
        self.decoder = subprocess.Popen([sys.executable, "-m", "laptiming", "decoder", "simulate", "--tcp",
                                         str(self.port), *SIMULATED], stdout=subprocess.PIPE, text=True)
        assert self.decoder.stdout is not None and self.decoder.stdout.readline().strip() == self.url

    def unplug(self) -> None:
        """Kill the simulated decoder: its connection drops and nothing listens on the port any more."""
        assert self.decoder is not None
        _end(self.decoder, signal.SIGKILL)

    def start_recorder(self) -> None:
        """``laptiming record`` of the rig's session from the decoder, every car it hears entered."""
        self.recorder = subprocess.Popen([sys.executable, "-m", "laptiming", "record", self.url, "--db",
                                          str(self.db_path), "--session", self.session, "--enter-unknown"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        """Stop the recorder as Ctrl-C does, then the decoder."""
        if self.recorder is not None:
            _end(self.recorder, signal.SIGINT)
        if self.decoder is not None:
            _end(self.decoder, signal.SIGKILL)


@contextmanager
def recorded(db_path: Path, session: str = "Practice 1") -> Iterator[DecoderRig]:
    """A decoder plugged in and a recorder timing ``session`` from it into ``db_path`` (made if missing)."""
    open_event_db(db_path, create=True).close()
    rig = DecoderRig(db_path, session)
    try:
        rig.plug_in()
        rig.start_recorder()
        yield rig
    finally:
        rig.stop()
