"""A capture file with a bad line: the reader ends with one clear error, never a thread traceback."""

from __future__ import annotations

import threading

import pytest

from hardware import DecoderIOError, DecoderOpenError, LinkState
from hardware.reader import DecoderReader
from hardware.transports.replay import CaptureReplay
from hardware.urls import parse_decoder_url

from .collect import Collector, has_state


def bad_hex_capture(captures, folder, bad_line: bytes = b"not hex at all\n", at: int = 75):
    """The real amb.out with one line replaced by ``bad_line`` at line ``at``."""
    lines = (captures / "p3/vmindru-ambp3client/amb.out").read_bytes().splitlines(keepends=True)
    path = folder / "bad.hex"
    path.write_bytes(b"".join(lines[: at - 1]) + bad_line + b"".join(lines[at - 1 :]))
    return path


def test_reader_over_a_bad_hex_capture_ends_with_the_error(captures, tmp_path, monkeypatch):
    path = bad_hex_capture(captures, tmp_path)
    crashes: list = []
    monkeypatch.setattr(threading, "excepthook", crashes.append)
    collector = Collector()
    reader = DecoderReader(f"file://{path}", [collector]).start()
    collector.wait_for(has_state(LinkState.ENDED))
    assert reader.join(5)
    assert isinstance(reader.error, DecoderOpenError)
    assert str(reader.error) == f"{path}:75: not a line of hex bytes ('n' at column 1)"
    assert collector.passings == []  # refused before the first byte, not after 74 lines
    assert collector.states() == [LinkState.ENDED]
    assert crashes == []  # the reader thread ended normally


def test_capture_spoiled_after_it_was_checked_is_a_read_error(captures, tmp_path):
    path = tmp_path / "day.hex"
    path.write_bytes((captures / "p3/vmindru-ambp3client/amb-short.out").read_bytes())
    transport = CaptureReplay(parse_decoder_url(f"file://{path}"))
    transport.open()
    path.write_bytes(b"8e02\nzz\n")  # changed between the check and the read
    with pytest.raises(DecoderIOError, match=r"day\.hex:2: not a line of hex bytes"):
        while transport.read(0.1) is not None:
            pass
