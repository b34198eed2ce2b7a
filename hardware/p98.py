"""AMB/MyLaps P98 text protocol ("Enhanced", AMBrc, RC4 text), spec sheet §2.

Record layout on the wire::

    SOH  type  TAB field TAB field ... TAB  'x' CRC(4 uppercase hex)  CR LF

The CRC is the AMB CRC-16 of the bytes from the type character through the TAB before ``x``.
``@`` is a passing (decoder, seq, transponder, seconds, hits, strength, status) and ``#`` a
status (decoder, seq, noise[, 0]). Seconds have up to three decimals and are converted to
integer microseconds exactly, by digits, never through a float.
``next_record`` recovers from garbage, a SOH inside a record, a bad CRC and an endless line.
"""

from __future__ import annotations

from dataclasses import dataclass

from hardware.crc import amb_crc16
from hardware.drops import Delimiters, DropReason
from hardware.errors import FrameError
from hardware.events import DecoderStatus, Passing

SOH = 0x01
PASSING_TYPE = "@"
STATUS_TYPE = "#"
MAX_RECORD = 256
_SOH_BYTE = b"\x01"
_LF = b"\n"
_CRC_MARK = b"\tx"
_HEX_DIGITS = frozenset(b"0123456789ABCDEFabcdef")

MIN_RECORD = 9  # SOH, type, TAB, 'x', four CRC digits, LF
RecordStep = tuple[int, bytes | None, DropReason | None, int]
_DELIMITERS = Delimiters(SOH, _LF[0], MAX_RECORD, MIN_RECORD, DropReason.BAD_FIELD)


@dataclass(frozen=True, slots=True)
class P98Record:
    """A checked record of a type we do not interpret (e.g. ``$``): its type and raw fields."""

    record_type: str
    fields: tuple[str, ...]


def check_record(line: bytes) -> bytes | DropReason:
    """Verify ``type TAB fields TAB xCRC`` (no SOH, no CR LF); the checked part, or why not."""
    mark = line.rfind(_CRC_MARK)
    digits = line[mark + 2 :] if mark >= 0 else b""
    if mark < 1 or len(digits) != 4 or not all(d in _HEX_DIGITS for d in digits):
        return DropReason.BAD_FIELD
    checked = line[: mark + 1]
    if amb_crc16(checked) != int(digits, 16):
        return DropReason.BAD_CRC
    return checked


def next_record(buffer: bytes, pos: int = 0) -> RecordStep:
    """Take the next step through ``buffer``: ``(end, checked_record, reason, count)``.

    Same contract as :func:`hardware.p3.frame.step_frame`: nothing consumed means wait for
    more bytes; a record is returned as the checked text between SOH and ``x``.
    """
    end, reason, count = _DELIMITERS.step(buffer, pos)
    if reason is not None or end == pos:
        return end, None, reason, count
    line = buffer[pos + 1 : end]
    if line.endswith(b"\r"):
        line = line[:-1]
    checked = check_record(bytes(line))
    if isinstance(checked, DropReason):
        return end + 1, None, checked, 1
    return end + 1, checked, None, 0


def seconds_to_us(text: str) -> int:
    """``"52083.691"`` -> ``52083691000``: exact decimal seconds to integer microseconds."""
    whole, _, fraction = text.partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()) or len(fraction) > 6:
        raise ValueError(f"not a time in seconds: {text!r}")
    return int(whole) * 1_000_000 + int(fraction.ljust(6, "0") or "0")


def us_to_seconds(time_us: int) -> str:
    """Integer microseconds to the decoder's text form, to the millisecond as decoders send it."""
    return f"{time_us // 1_000_000}.{time_us // 1000 % 1000:03d}"


def _int_field(fields: list[str], index: int, name: str, required: bool = True) -> int | None:
    if index >= len(fields) or fields[index] == "":
        if required:
            raise FrameError(DropReason.BAD_FIELD, f"P98 record lacks {name}")
        return None
    try:
        return int(fields[index])
    except ValueError as err:
        raise FrameError(DropReason.BAD_FIELD, f"P98 {name} is not a number: {fields[index]!r}") from err


def parse_record(checked: bytes, host_time_ns: int = 0, source: str = "") -> Passing | DecoderStatus | P98Record:
    """Interpret a checked record (type through the TAB before ``x``) as an event."""
    try:
        text = checked.decode("ascii")
    except UnicodeDecodeError as err:
        raise FrameError(DropReason.BAD_FIELD, "P98 record is not ASCII") from err
    record_type, fields = text[0], text[1:].strip("\t").split("\t")
    if record_type == PASSING_TYPE:
        try:
            time_us = seconds_to_us(fields[3]) if len(fields) > 3 else None
        except ValueError as err:
            raise FrameError(DropReason.BAD_FIELD, str(err)) from err
        if time_us is None:
            raise FrameError(DropReason.BAD_FIELD, "P98 passing lacks time")
        return Passing(
            decoder_id=_int_field(fields, 0, "decoder"),
            passing_number=_int_field(fields, 1, "sequence"),
            transponder=_int_field(fields, 2, "transponder"),
            decoder_time_us=time_us,
            hits=_int_field(fields, 4, "hits", required=False),
            strength=_int_field(fields, 5, "strength", required=False),
            host_time_ns=host_time_ns,
            source=source,
        )
    if record_type == STATUS_TYPE:
        return DecoderStatus(
            decoder_id=_int_field(fields, 0, "decoder"),
            sequence=_int_field(fields, 1, "sequence"),
            noise=_int_field(fields, 2, "noise", required=False),
            host_time_ns=host_time_ns,
            source=source,
        )
    return P98Record(record_type, tuple(fields))


def decode_line(line: bytes | str) -> Passing | DecoderStatus | P98Record:
    """Strictly decode one record as logged (no SOH and CR LF needed); ``FrameError`` if bad."""
    raw = line.encode("ascii") if isinstance(line, str) else line
    raw = raw.lstrip(_SOH_BYTE).rstrip(b"\r\n")
    checked = check_record(raw)
    if isinstance(checked, DropReason):
        raise FrameError(checked, f"bad P98 record ({checked}): {raw!r}")
    return parse_record(checked)


def encode_fields(record_type: str, fields: list[object]) -> bytes:
    """Wire bytes of a record: SOH, type, TAB-separated fields, CRC, CR LF."""
    checked = (record_type + "\t" + "".join(f"{value}\t" for value in fields)).encode("ascii")
    return _SOH_BYTE + checked + f"x{amb_crc16(checked):04X}\r\n".encode("ascii")


def encode_passing(passing: Passing, status: int = 2) -> bytes:
    """Wire bytes of an ``@`` record (time to the millisecond, as P98 decoders send it)."""
    return encode_fields(
        PASSING_TYPE,
        [passing.decoder_id, passing.passing_number, passing.transponder,
         us_to_seconds(passing.decoder_time_us), passing.hits or 0, passing.strength or 0, status],
    )


def encode_status(status: DecoderStatus) -> bytes:
    """Wire bytes of a ``#`` record."""
    return encode_fields(STATUS_TYPE, [status.decoder_id, status.sequence or 0, status.noise or 0])
