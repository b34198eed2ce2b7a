"""A serial decoder has one reader: a second program opening the port is refused, not given half the bytes.

Two programs reading one serial port each get some of its bytes, so each loses passings the other
took. The first one to open the port holds it (an exclusive lock on the device), and the second is
told so in one line; once the first has gone, the port opens again.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hardware import DecoderOpenError
from hardware.transports import transport_for_url

HOLD_PORT = """
import sys
from hardware.transports import transport_for_url
transport = transport_for_url(sys.argv[1])
transport.open()
print("open", flush=True)
sys.stdin.readline()  # held until the test says
transport.close()
"""


@pytest.fixture
def pty_device():
    """A real terminal device (the far end of a pty), as a USB serial adapter would be one."""
    controller, device = os.openpty()
    try:
        yield os.ttyname(device)
    finally:
        os.close(device)
        os.close(controller)


def test_a_port_another_program_reads_is_refused_naming_why_and_opens_once_it_has_gone(pty_device: str) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_PORT, pty_device], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        second = transport_for_url(pty_device)
        with pytest.raises(DecoderOpenError, match=f"{pty_device}: another program is reading it"):
            second.open()
    finally:
        holder.communicate("\n", timeout=10)
    assert holder.returncode == 0
    third = transport_for_url(pty_device)
    third.open()  # the first program has let go
    third.close()
