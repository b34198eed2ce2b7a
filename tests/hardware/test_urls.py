"""Decoder URLs: every form the issue lists parses to the right transport, bad ones say why."""

from __future__ import annotations

import pytest

from hardware import DecoderOpenError
from hardware.framing import Protocol
from hardware.transports import transport_for_url
from hardware.transports.replay import CaptureReplay
from hardware.transports.serial_port import SerialTransport
from hardware.transports.simulated import SimulatedDecoder
from hardware.transports.tcp import TcpTransport
from hardware.urls import parse_decoder_url


@pytest.mark.parametrize(
    ("text", "scheme", "target", "protocol"),
    [
        ("/dev/ttyUSB0", "serial", "/dev/ttyUSB0", Protocol.P3),
        ("serial:///dev/ttyUSB0?baudrate=38400", "serial", "/dev/ttyUSB0", Protocol.P3),
        ("loop://", "serial", "loop://", Protocol.P3),
        ("spy://loop://?file=x.txt&protocol=p98", "serial", "spy://loop://?file=x.txt", Protocol.P98),
        ("socket://127.0.0.1:7000", "serial", "socket://127.0.0.1:7000", Protocol.P3),
        ("tcp://10.0.0.5", "tcp", "10.0.0.5:5403", Protocol.P3),
        ("tcp://localhost:5100?protocol=p98", "tcp", "localhost:5100", Protocol.P98),
        ("file://capture.p3?speed=10", "file", "capture.p3", Protocol.P3),
        ("file:///var/captures/day1.p3", "file", "/var/captures/day1.p3", Protocol.P3),
        ("sim://?cars=20&seed=7&speed=10", "sim", "", Protocol.P3),
    ],
)
def test_url_forms(text, scheme, target, protocol):
    url = parse_decoder_url(text)
    assert (url.scheme, url.target, url.protocol) == (scheme, target, protocol)


def test_backends_are_chosen_by_scheme():
    assert isinstance(transport_for_url("loop://"), SerialTransport)
    assert isinstance(transport_for_url("tcp://127.0.0.1:5403"), TcpTransport)
    assert isinstance(transport_for_url("file://x.p3"), CaptureReplay)
    assert isinstance(transport_for_url("sim://?cars=3"), SimulatedDecoder)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("ftp://host/x", "unknown scheme 'ftp'"),
        ("tcp://", "no host"),
        ("tcp://host:99999", "bad port"),
        ("file://", "no file path"),
        ("sim://?cars=many", "cars='many' is not a number"),
        ("sim://?cars=0", "cars='0' must be at least 1"),
        ("sim://?speed=-1", "speed='-1' must be at least 0"),
        ("loop://?protocol=p4", "unknown protocol 'p4'"),
    ],
)
def test_bad_urls_say_what_is_wrong(text, message):
    with pytest.raises(DecoderOpenError, match=message.replace("(", r"\(")):
        transport_for_url(text)


def test_missing_serial_device_is_an_open_error(tmp_path):
    transport = transport_for_url(str(tmp_path / "ttyNOPE"))
    with pytest.raises(DecoderOpenError, match="ttyNOPE"):
        transport.open()


def test_refused_tcp_connection_is_an_open_error():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DecoderOpenError, match=f"127.0.0.1:{port}"):
        transport_for_url(f"tcp://127.0.0.1:{port}").open()


@pytest.mark.parametrize(("text", "unknown"), [
    ("file://session.p3?sped=10", "sped"),  # it replayed at full speed
    ("sim://?car=3&speed=100", "car"),  # it ran 20 cars
    ("tcp://10.0.0.5?timeout=2", "timeout"),
    ("serial:///dev/ttyUSB0?baud=38400", "baud"),
])
def test_a_misspelt_option_is_named_not_ignored(text, unknown):
    with pytest.raises(DecoderOpenError, match=rf"unknown option '{unknown}' for \w+:// \(it takes "):
        transport_for_url(text)


def test_every_option_a_transport_reads_is_taken():
    for text in ("file://capture.p3?speed=10&protocol=p3", "tcp://10.0.0.5?connect_timeout=2",
                 "serial:///dev/ttyUSB0?baudrate=38400&rtscts=1",
                 "sim://?cars=2&transponders=1,2&seed=3&minutes=1&faults=1&speed=0&after-passing=10"
                 "&after-time=5&resume-after=1"):
        transport_for_url(text)
