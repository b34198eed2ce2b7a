"""The reader thread through real transports: capture replay, loop://, a real pty, loopback TCP."""

from __future__ import annotations

import os
import threading

from hardware import DecoderOpenError, LinkState, Passing
from hardware.capture import CaptureWriter
from hardware.p3 import encode_passing
from hardware.reader import Backoff, DecoderReader
from hardware.simulator.field import FieldConfig
from hardware.simulator.serve import PtyDecoder, TcpDecoderServer
from hardware.simulator.virtual_decoder import VirtualDecoder
from hardware.transports import transport_for_url

from .collect import Collector, has_passings, has_state
from .wire import hex_frames


def test_capture_replay_delivers_every_event_then_ends(captures):
    collector = Collector()
    reader = DecoderReader(f"file://{captures}/p3/vmindru-ambp3client/amb.out", [collector]).start()
    collector.wait_for(has_state(LinkState.ENDED))
    assert reader.join(5)
    assert [p.passing_number for p in collector.passings] == list(range(157777, 157861))
    assert reader.decoder.frames_decoded == 1388
    assert collector.states()[0] is LinkState.CONNECTED and collector.states()[-1] is LinkState.ENDED


def test_overlapping_replays_deliver_each_passing_once(tmp_path, captures):
    folder = captures / "p3/vmindru-ambp3client"
    doubled = tmp_path / "doubled.p3"
    doubled.write_bytes(b"".join(hex_frames(folder / "amb-short.out") + hex_frames(folder / "amb.out")))
    collector = Collector()
    reader = DecoderReader(f"file://{doubled}", [collector]).start()
    collector.wait_for(has_state(LinkState.ENDED))
    numbers = [p.passing_number for p in collector.passings]
    assert sorted(numbers) == list(range(157777, 157861))
    assert reader.sequence.duplicates == 83


def test_paced_replay_keeps_order_and_raw_bytes(tmp_path, captures):
    source = captures / "p3/vmindru-ambp3client/amb-short.out"
    raw = tmp_path / "short.p3"
    raw.write_bytes(b"".join(hex_frames(source)))
    copy = tmp_path / "copy.p3"
    collector = Collector()
    with CaptureWriter(copy) as writer:
        reader = DecoderReader(f"file://{raw}?speed=100000", [collector], [writer]).start()
        collector.wait_for(has_state(LinkState.ENDED))
        reader.join(5)
    assert copy.read_bytes() == raw.read_bytes()
    times = [p.decoder_time_us for p in collector.passings]
    assert len(times) == 83 and times == sorted(times)


def test_missing_capture_ends_with_the_error(tmp_path):
    collector = Collector()
    reader = DecoderReader(f"file://{tmp_path}/gone.p3", [collector]).start()
    collector.wait_for(has_state(LinkState.ENDED))
    assert isinstance(reader.error, DecoderOpenError)
    assert "gone.p3" in collector.events[-1].detail


def test_loop_serial_port_carries_real_bytes():
    transport = transport_for_url("loop://")
    collector = Collector()
    reader = DecoderReader("loop://", [collector], transport=transport).start()
    collector.wait_for(has_state(LinkState.CONNECTED))
    sent = [Passing(7, n, 1234567, 1_000_000 * n, 100, 20) for n in range(1, 6)]
    for passing in sent:
        transport.write(b"\x00noise" + encode_passing(passing))
    collector.wait_for(has_passings(5))
    reader.stop()
    assert reader.join(5)
    assert [p._replace(host_time_ns=0, source="") for p in collector.passings] == sent
    assert {p.source for p in collector.passings} == {"loop://"}
    assert reader.decoder.skipped_bytes == 5 * len(b"\x00noise")


def test_simulator_through_a_real_pty_with_pyserial():
    decoder = VirtualDecoder(FieldConfig(cars=6, seed=3, minutes=4))
    expected = VirtualDecoder(FieldConfig(cars=6, seed=3, minutes=4))
    list(expected.timeline())
    server = PtyDecoder(decoder, speed=200)
    stop = threading.Event()
    thread = threading.Thread(target=lambda: server.wait_for_reader(stop) and server.run(stop), daemon=True)
    thread.start()
    assert os.path.exists(server.device)
    collector = Collector()
    reader = DecoderReader(server.device, [collector]).start()
    collector.wait_for(has_passings(len(expected.memory)))
    reader.stop()
    reader.join(5)
    stop.set()
    thread.join(5)
    server.close()
    got = [p._replace(host_time_ns=0, source="") for p in collector.passings]
    assert got == expected.passings()
    assert not reader.decoder.dropped


def test_pulled_serial_cable_is_reported_and_retried():
    decoder = VirtualDecoder(FieldConfig(cars=3, seed=1, minutes=30))
    server = PtyDecoder(decoder, speed=50)
    stop = threading.Event()
    thread = threading.Thread(target=lambda: server.wait_for_reader(stop) and server.run(stop), daemon=True)
    thread.start()
    collector = Collector()
    reader = DecoderReader(server.device, [collector], backoff=Backoff(0.05, 0.2)).start()
    collector.wait_for(has_passings(1))
    stop.set()
    thread.join(5)
    server.close()  # the device disappears, as when the USB adapter is pulled
    collector.wait_for(has_state(LinkState.RECONNECTING, times=2))
    reader.stop()
    assert reader.join(5)
    reconnecting = [e for e in collector.events if getattr(e, "state", None) is LinkState.RECONNECTING]
    assert "lost" in reconnecting[0].detail and "cannot open" in reconnecting[1].detail


class Gate:
    """Holds a timeline back (before it starts, and at chosen passing counts) until the test says go."""

    def __init__(self, decoder: VirtualDecoder, stops: list[int]) -> None:
        self.decoder = decoder
        self.start = threading.Event()
        self.reached = {n: threading.Event() for n in stops}
        self.release = {n: threading.Event() for n in stops}

    def pieces(self):
        assert self.start.wait(20)
        for piece in self.decoder.timeline():
            yield piece
            produced = len(self.decoder.memory)
            if produced in self.reached and not self.reached[produced].is_set():
                self.reached[produced].set()
                assert self.release[produced].wait(20)


class GatedBackoff(Backoff):
    """A reconnect delay that lasts until the test allows the reconnect."""

    def __init__(self) -> None:
        super().__init__(0.0, 0.0)
        self.allowed = threading.Event()

    def next_delay(self) -> float:
        assert self.allowed.wait(20)
        return 0.0


def test_tcp_drop_reconnect_and_resend_lose_and_double_nothing():
    decoder = VirtualDecoder(FieldConfig(cars=12, seed=5, minutes=8))
    gate = Gate(decoder, stops=[10, 25])
    server = TcpDecoderServer(decoder, speed=0, pieces=gate.pieces()).start()
    backoff = GatedBackoff()
    collector = Collector()
    reader = DecoderReader(server.url, [collector], backoff=backoff).start()
    try:
        assert server.wait_for_connections(1, 20)
        gate.start.set()
        assert gate.reached[10].wait(20)
        collector.wait_for(has_passings(10))
        server.drop_client()  # the network cable is pulled mid-session
        collector.wait_for(has_state(LinkState.RECONNECTING))
        gate.release[10].set()  # passings 11..25 happen while nobody listens
        assert gate.reached[25].wait(20)
        backoff.allowed.set()
        assert server.wait_for_connections(2, 20)
        gate.release[25].set()  # the session goes on; the first new passing shows the gap
        assert server.finished.wait(20)
        collector.wait_for(has_passings(len(decoder.memory)))
    finally:
        reader.stop()
        reader.join(5)
        server.stop()
    numbers = [p.passing_number for p in collector.passings]
    first = decoder.first_passing_number
    assert sorted(numbers) == list(range(first, first + len(decoder.memory)))
    assert len(numbers) == len(set(numbers))
    assert reader.resend_requests == [(first + 10, first + 24)]
    assert server.connections == 2
