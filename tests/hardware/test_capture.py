"""Capture files: raw bytes written as received, and read back in every published form."""

from __future__ import annotations

import pytest

from hardware import DecoderOpenError, DecoderStatus, Passing
from hardware.capture import CaptureWriter, iter_capture_bytes, read_capture

from .wire import hex_frames


def test_hex_text_capture_reads_every_frame(captures):
    events = list(read_capture(captures / "p3/vmindru-ambp3client/amb.out"))
    assert sum(isinstance(e, Passing) for e in events) == 84
    assert sum(isinstance(e, DecoderStatus) for e in events) == 1304


def test_raw_capture_with_junk_and_several_frames(captures):
    folder = captures / "p3/datagutten-amb-p3-parser"
    assert [p.passing_number for p in read_capture(folder / "multi")] == [113736] * 10
    assert [p.transponder for p in read_capture(folder / "need_trimming")] == [2906141]


def test_p98_line_log_reads_as_records(captures):
    events = list(read_capture(captures / "text-protocols/p98_vostok_lines.txt", "p98"))
    assert len(events) == 20
    assert [e.passing_number for e in events if isinstance(e, Passing)][:2] == [1379, 1381]


def test_writer_keeps_every_byte_as_received(tmp_path, captures):
    frames = hex_frames(captures / "p3/vmindru-ambp3client/amb-short.out")
    stream = b"\x00garbage" + b"".join(frames)
    path = tmp_path / "day.p3"
    with CaptureWriter(path) as writer:
        for index in range(0, len(stream), 97):
            writer(stream[index : index + 97])
    assert path.read_bytes() == stream
    assert b"".join(iter_capture_bytes(path)) == stream
    assert len(list(read_capture(path))) == len(frames)


def test_writer_appends_to_an_existing_capture(tmp_path):
    path = tmp_path / "day.p3"
    with CaptureWriter(path) as writer:
        writer(b"\x8e\x02")
    with CaptureWriter(path) as writer:
        writer(b"\x8f")
    assert path.read_bytes() == b"\x8e\x02\x8f"


def test_missing_capture_is_a_clear_open_error(tmp_path):
    with pytest.raises(DecoderOpenError, match="no-such.p3"):
        list(read_capture(tmp_path / "no-such.p3"))


def test_bad_hex_line_names_file_and_line(tmp_path):
    path = tmp_path / "frames.hex"
    path.write_text("8e02\n8e0zz\n")
    with pytest.raises(DecoderOpenError, match=r"frames.hex:2"):
        list(read_capture(path))
