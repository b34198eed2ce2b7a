"""Chronelec / Tag Heuer Protime passing lines (spec sheet §3.5).

    '<' channel SP transponder SP hh:mm'ss"mmm SP level SP nn SP flag SP checksum '>' CR LF

The checksum is the decimal byte sum of the 32 characters after ``<`` (the space before the
checksum included), four digits. Protime
sends no passing number, so a :class:`ProtimeNumberer` numbers passings per stream in arrival
order; the channel (``STA``, ``BOX``, ``MAN``, ``B01``...) becomes the decoder id, its three
letters read as one integer, so each loop keeps its own numbering.
"""

from __future__ import annotations

import re
from collections import Counter

from hardware.drops import Delimiters, DropReason
from hardware.errors import FrameError
from hardware.events import Passing

START, END = b"<", b">"
BODY_SIZE = 32
MAX_RECORD = 64
RECORD_SIZE = 1 + BODY_SIZE + 4 + 1  # '<', body, checksum digits, '>'
_LINE_ENDS = (b"\r", b"\n")  # after each record on the wire (CR LF); a capture file may keep only the LF
_DELIMITERS = Delimiters(START[0], END[0], MAX_RECORD, RECORD_SIZE, DropReason.BAD_LENGTH)
_LINE = re.compile(
    r"^(?P<channel>[A-Z0-9]{3}) (?P<transponder>\d{6}) (?P<h>\d{2}):(?P<m>\d{2})'(?P<s>\d{2})\"(?P<ms>\d{3}) "
    r"(?P<level>\d{2}) (?P<nn>\d{2}) (?P<flag>\d)$"
)


def next_record(buffer: bytes, pos: int = 0) -> tuple[int, bytes | None, DropReason | None, int]:
    """Same contract as the P3 framer's ``step_frame``: the checked 32-character body of the next record.

    The CR LF ending each line is the protocol's, not garbage: a step over line ends alone returns
    neither a record nor a reason (the stream decoder counts those bytes as decoded).
    """
    if buffer[pos : pos + 1] in _LINE_ENDS:
        stop = pos + 1
        while buffer[stop : stop + 1] in _LINE_ENDS:
            stop += 1
        return stop, None, None, 0
    end, reason, count = _DELIMITERS.step(buffer, pos)
    if reason is not None or end == pos:
        return end, None, reason, count
    inner = buffer[pos + 1 : end]
    body, digits = inner[:BODY_SIZE], inner[BODY_SIZE:]
    if len(inner) != BODY_SIZE + 4 or not digits.isdigit():
        return end + 1, None, DropReason.BAD_LENGTH, 1
    if sum(body) != int(digits):
        return end + 1, None, DropReason.BAD_CRC, 1
    return end + 1, bytes(body), None, 0


def channel_id(channel: str) -> int:
    """The decoder id standing for a Protime channel: its three letters as one integer."""
    return int.from_bytes(channel.encode("ascii"), "big")


def channel_name(decoder_id: int) -> str:
    """The channel a Protime decoder id stands for."""
    return decoder_id.to_bytes(3, "big").decode("ascii")


class ProtimeNumberer:
    """Decodes checked bodies into passings, numbering them per channel in arrival order."""

    def __init__(self) -> None:
        self._counts: Counter[int] = Counter()

    def decode(self, body: bytes, host_time_ns: int = 0, source: str = "") -> Passing:
        """One passing; ``FrameError`` when a field does not fit the layout."""
        match = _LINE.match(body.decode("ascii", "replace").rstrip(" "))
        if match is None:
            raise FrameError(DropReason.BAD_FIELD, f"Protime record does not fit the layout: {body!r}")
        hours, minutes, seconds, millis = (int(match[name]) for name in ("h", "m", "s", "ms"))
        decoder_id = channel_id(match["channel"])
        self._counts[decoder_id] += 1
        return Passing(
            decoder_id=decoder_id,
            passing_number=self._counts[decoder_id],
            transponder=int(match["transponder"]),
            decoder_time_us=((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + millis * 1000,
            strength=int(match["level"]),
            host_time_ns=host_time_ns,
            source=source,
        )


def encode_passing(passing: Passing, nn: int = 1, flag: int = 0) -> bytes:
    """Wire bytes of a passing line (time of day to the millisecond)."""
    total_ms = passing.decoder_time_us // 1000
    seconds, millis = divmod(total_ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    body = (f"{channel_name(passing.decoder_id)} {passing.transponder:06d} "
            f"{hours:02d}:{minutes:02d}'{seconds:02d}\"{millis:03d} {passing.strength or 0:02d} {nn:02d} {flag}")
    raw = body.encode("ascii") + b" "
    return START + raw + f"{sum(raw):04d}".encode("ascii") + END + b"\r\n"
