"""Capture files: raw bytes written as received, and read back in every published form."""

from __future__ import annotations

import tracemalloc

import pytest

from hardware import DecoderOpenError, DecoderStatus, Passing
from hardware.capture import MAX_LINE, CaptureKind, CaptureWriter, check_capture, iter_capture_bytes, read_capture

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


def test_bad_hex_line_names_file_line_and_column(tmp_path):
    path = tmp_path / "frames.hex"
    path.write_text("8e02\n8e0zz\n")
    with pytest.raises(DecoderOpenError, match=r"frames\.hex:2: not a line of hex bytes \('z' at column 4\)"):
        list(read_capture(path))
    with pytest.raises(DecoderOpenError, match=r"frames\.hex:2:"):
        check_capture(path)


def test_odd_hex_line_is_named(tmp_path):
    path = tmp_path / "frames.hex"
    path.write_text("8e02\n\n8e0\n")
    with pytest.raises(DecoderOpenError, match=r"frames\.hex:3: odd number of hex digits"):
        check_capture(path)


@pytest.mark.parametrize("kind", ["hex", "p98"])
def test_a_huge_line_is_refused_with_bounded_memory(tmp_path, captures, kind):
    if kind == "hex":
        good = (captures / "p3/vmindru-ambp3client/amb-short.out").read_bytes().splitlines(keepends=True)[:20]
        huge = b"8e" * 4_000_000 + b"\n"  # 8 MB of valid hex digits, in one line
    else:
        good = (captures / "text-protocols/p98_vostok_lines.txt").read_bytes().splitlines(keepends=True)[:20]
        huge = b"@\t" + b"1" * 8_000_000 + b"\n"
    path = tmp_path / "capture.txt"
    path.write_bytes(b"".join(good) + huge + b"".join(good))
    tracemalloc.start()
    try:
        with pytest.raises(DecoderOpenError, match=rf"capture\.txt:{len(good) + 1}: line longer than {MAX_LINE} bytes"):
            check_capture(path)
        with pytest.raises(DecoderOpenError, match=rf"capture\.txt:{len(good) + 1}:"):
            list(read_capture(path, kind if kind == "p98" else "p3"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MAX_LINE  # the 8 MB line was never held in memory


def test_check_capture_accepts_raw_and_good_text_captures(captures):
    assert check_capture(captures / "p3/datagutten-amb-p3-parser/need_trimming") is CaptureKind.RAW
    assert check_capture(captures / "p3/vmindru-ambp3client/amb.out") is CaptureKind.HEX
    assert check_capture(captures / "text-protocols/p98_vostok_lines.txt") is CaptureKind.P98


def test_check_capture_names_a_missing_file_or_a_folder(tmp_path):
    for path in (tmp_path / "no-such.p3", tmp_path):
        with pytest.raises(DecoderOpenError, match=f"capture file not found: {path}$"):
            check_capture(path)
