"""A link that opens and closes with no data (a serial-to-TCP converter with its decoder off) over real TCP.

The converter is a real loopback server that accepts each connection and hangs up at once, as such
converters do while nothing is plugged in behind them. The reader's delays are recorded by a backoff
that waits for none of them (a fake clock): the test reads the delays the reader asked for, and the
link states it said, after counting the server's accepts.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from hardware import LinkState, LinkStatus, Passing
from hardware.p3 import encode_passing
from hardware.reader import Backoff

from .collect import Collector, wait_until
from .gate import reading

QUIET_ACCEPTS = 8
SAID_ONCE = "before sending anything (a serial-to-TCP converter with no decoder behind it"


class HangUpServer:
    """Accepts on loopback and hangs up at once; the connections numbered in ``talking`` get ``data`` first."""

    def __init__(self, talking: frozenset[int] = frozenset(), data: bytes = b"") -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.url = "tcp://127.0.0.1:%d" % self._listener.getsockname()[1]
        self.talking, self.data = talking, data
        self.accepts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="hang-up server", daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.accepts += 1
            if self.accepts in self.talking:
                client.sendall(self.data)
            client.close()

    @contextmanager
    def running(self) -> Iterator[HangUpServer]:
        """The server accepting until the block ends."""
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(5)
            self._listener.close()


class RecordedBackoff(Backoff):
    """The reader's real backoff policy, with each delay recorded instead of waited (a fake clock)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[float] = []

    def next_delay(self) -> float:
        self.asked.append(super().next_delay())
        return 0.0


def link_events(collector: Collector) -> list[tuple[LinkState, str]]:
    collector.drain()
    return [(e.state, e.detail) for e in collector.events if isinstance(e, LinkStatus)]


def test_a_link_that_closes_with_no_data_is_retried_less_and_less_often_and_said_once():
    """It reconnected every 0.25 s for ever (the backoff was reset on each accept) and said 'link connected' /
    'link reconnecting' about five times a second."""
    backoff = RecordedBackoff()
    collector = Collector()
    with HangUpServer().running() as server, reading(server.url, [collector], backoff=backoff):
        wait_until(lambda: server.accepts >= QUIET_ACCEPTS and len(backoff.asked) >= QUIET_ACCEPTS,
                   f"{QUIET_ACCEPTS} connections accepted and hung up")
    assert backoff.asked[:QUIET_ACCEPTS] == [0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
    said = [(state, detail) for state, detail in link_events(collector) if state is not LinkState.ENDED]
    assert [state for state, _ in said] == [LinkState.CONNECTED, LinkState.RECONNECTING], said
    detail = said[1][1]
    assert detail.startswith(f"decoder {server.url} closed the connection {SAID_ONCE}"), detail
    assert detail.endswith("retrying less and less often, up to every 5 s"), detail


def test_a_link_that_delivers_is_said_connected_and_its_next_loss_is_retried_quickly():
    """After the quiet closes, the connection that brings a passing is said connected, the backoff starts again
    at its shortest, and a loss after data is said in the usual words."""
    passing = Passing(decoder_id=7, passing_number=1, transponder=1234, decoder_time_us=1_000_000)
    backoff = RecordedBackoff()
    collector = Collector()
    talking = frozenset({4})
    with HangUpServer(talking, encode_passing(passing)).running() as server, \
            reading(server.url, [collector], backoff=backoff):
        wait_until(lambda: server.accepts >= 7 and len(backoff.asked) >= 7, "seven connections accepted")
    assert backoff.asked[:7] == [0.25, 0.5, 1.0, 0.25, 0.5, 1.0, 2.0]
    said = [(state, detail) for state, detail in link_events(collector) if state is not LinkState.ENDED]
    assert [p.passing_number for p in collector.passings] == [1]
    states = [state for state, _ in said]
    assert states == [LinkState.CONNECTED, LinkState.RECONNECTING,  # three quiet closes, said once
                      LinkState.CONNECTED, LinkState.RECONNECTING,  # the passing came, then the link closed
                      LinkState.CONNECTED, LinkState.RECONNECTING], said  # quiet again: said once more
    assert SAID_ONCE in said[1][1] and SAID_ONCE not in said[3][1] and SAID_ONCE in said[5][1]
    assert said[3][1].startswith(f"decoder {server.url} ")  # closed, or reset: as any lost link is said


def test_a_decoder_that_refuses_every_try_is_said_once_until_something_changes():
    """Unplugged (nothing listens on its port), each try said 'link reconnecting: cannot connect ...' again:
    a line every 5 s in record's terminal for as long as the decoder was away."""
    with socket.create_server(("127.0.0.1", 0)) as closed:
        url = "tcp://127.0.0.1:%d" % closed.getsockname()[1]
    backoff = RecordedBackoff()
    collector = Collector()
    with reading(url, [collector], backoff=backoff):
        wait_until(lambda: len(backoff.asked) >= QUIET_ACCEPTS, f"{QUIET_ACCEPTS} tries refused")
    said = [(state, detail) for state, detail in link_events(collector) if state is not LinkState.ENDED]
    assert [state for state, _ in said] == [LinkState.RECONNECTING], said
    assert "cannot connect" in said[0][1] or "refused" in said[0][1], said
