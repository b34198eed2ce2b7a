"""The reader thread through real transports: capture replay, loop://, a real pty, loopback TCP."""

from __future__ import annotations

import os
import threading

import pytest

from hardware import DecoderOpenError, LinkState, Passing
from hardware.capture import CaptureWriter
from hardware.p3 import encode_passing
from hardware.reader import Backoff, DecoderReader
from hardware.simulator.field import FieldConfig
from hardware.simulator.serve import PtyDecoder
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


# solo: once pulled, the pty's number (/dev/pts/N) is free, and a pty another test opens meanwhile can get it;
# the reader, retrying the path, then opened that test's device (seen once in a CI-like run: both failed).
@pytest.mark.solo
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
