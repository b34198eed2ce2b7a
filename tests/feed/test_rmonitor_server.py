"""The TCP server: every client gets the snapshot then every later publication; a stalled one is dropped."""

from __future__ import annotations

import threading

from laptiming.feed.rmonitor_records import wire
from laptiming.feed.rmonitor_server import LineServer
from tests.feed.rmonitor_client import RMonitorClient


class Published:
    """A stand-in for the hub: numbered publications and a snapshot of what was published so far."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seq = 0
        self.lines: list[str] = ['$B,1,"Practice"']
        self.server = LineServer(self.snapshot, max_buffer_bytes=64 * 1024)

    def snapshot(self) -> tuple[int, bytes]:
        with self.lock:
            return self.seq, wire(self.lines)

    def publish(self, line: str) -> None:
        with self.lock:
            self.seq += 1
            self.lines.append(line)
            self.server.publish(self.seq, wire([line]))


def test_each_client_gets_the_snapshot_then_each_later_record_once() -> None:
    feed = Published()
    feed.server.start()
    try:
        first = RMonitorClient(feed.server.port)
        first.read_line_count(1)
        feed.publish('$J,"1","00:00:00.000","00:00:02.051"')
        second = RMonitorClient(feed.server.port)
        second.read_line_count(2)
        for n in range(2, 50):
            feed.publish(f'$J,"{n}","00:00:00.000","00:00:02.051"')
        expected = feed.lines
        assert first.read_line_count(len(expected)) == expected
        assert second.read_line_count(len(expected)) == expected
        assert feed.server.clients == 2
    finally:
        feed.server.close()


def test_a_client_that_stops_reading_is_dropped_and_nobody_waits_for_it() -> None:
    feed = Published()
    feed.server.start()
    try:
        stalled = RMonitorClient(feed.server.port, receive_buffer=4096)  # connects, then never reads
        reader = RMonitorClient(feed.server.port)
        reader.read_line_count(1)
        line = '$G,1,"1",12,"00:21:00.000"' + " " * 200
        for round_no in range(1, 201):  # 4.5 MB in all, 22 KB at a time: a reader keeps up, the stalled one cannot
            for _ in range(100):
                feed.publish(line)
            reader.read_line_count(1 + 100 * round_no)  # the reader is never held up by the stalled client
        assert len(reader.lines) == 20_001
        assert feed.server.dropped == 1
        assert feed.server.clients == 1
        assert stalled.hung_up()
    finally:
        feed.server.close()


def test_a_port_in_use_is_one_clear_error() -> None:
    feed = Published()
    feed.server.start()
    try:
        other = LineServer(lambda: (0, b""), port=feed.server.port)
        try:
            other.start()
        except Exception as err:  # noqa: BLE001 - the type is checked below
            assert type(err).__name__ == "InputError"
            assert str(feed.server.port) in str(err)
        else:
            raise AssertionError("a second server listened on a port in use")
    finally:
        feed.server.close()
