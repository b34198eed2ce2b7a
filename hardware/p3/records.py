"""Typed P3 records: decoding checked frames into events, and encoding events into wire bytes.

PASSING, STATUS, VERSION and ERROR become :mod:`hardware.events` types; every other record
type stays a generic :class:`P3Record`. Encoders produce exactly what a decoder would send
(field order of AMB RC decoders, escaping of 0x8D-0x8F only), plus the RESEND and GET_TIME
requests a timing program sends.
"""

from __future__ import annotations

import struct

from hardware.drops import DropReason
from hardware.errors import FrameError
from hardware.events import DecoderErrorReport, DecoderStatus, DecoderVersion, Passing
from hardware.p3.constants import (
    DECODER_VERSION,
    ErrorField,
    GeneralField,
    GetTimeField,
    PassingField,
    ResendField,
    StatusField,
    Tor,
    VersionField,
)
from hardware.p3.frame import P3Record, decode_record, encode_record, next_frame

P3Event = Passing | DecoderStatus | DecoderVersion | DecoderErrorReport | P3Record

# The layout every AMB RC decoder uses for PASSING (fields 01 03 04 05 06 08 81, 51 bytes):
# decoded with one struct call when it matches, by the general TLV walk otherwise.
_RC_PASSING = struct.Struct("<10xBBIBBIBBQBBHBBHBBHBBIB")
_RC_PASSING_SIZE = 51
_RC_PASSING_IDS = (0x01, 4, 0x03, 4, 0x04, 8, 0x05, 2, 0x06, 2, 0x08, 2, 0x81, 4)
_TOR_PASSING_LE = b"\x01\x00"
CODE_ONLY_BASE = 1 << 32  # transponder numbers from here up stand for a printed code
LARGEST_TRANSPONDER = CODE_ONLY_BASE - 1  # the largest number a PASSING carries (32 bits on the wire)
CODE_NUMBERS_FROM = 0x20 << 56  # ... and a printed code's number is at least this (its first byte is printable)


def is_transponder_number(number: int) -> bool:
    """Whether a decoder can report this transponder: a 32-bit number, or the number :func:`code_to_transponder`
    gives a printed code (anything between is a typo: a digit too many)."""
    return 0 < number < CODE_ONLY_BASE or CODE_NUMBERS_FROM <= number < 1 << 63


def _u(value: int, size: int) -> bytes:
    return value.to_bytes(size, "little")


def decode_event(frame: bytes, host_time_ns: int = 0, source: str = "") -> P3Event:
    """Turn a checked, unescaped frame into a typed event (or a generic record)."""
    if len(frame) == _RC_PASSING_SIZE and frame[8:10] == _TOR_PASSING_LE:
        (i1, l1, number, i3, l3, transponder, i4, l4, rtc, i5, l5, strength, i6, l6, hits,
         i8, l8, _flags, i81, l81, decoder_id, _eor) = _RC_PASSING.unpack(frame)
        if (i1, l1, i3, l3, i4, l4, i5, l5, i6, l6, i8, l8, i81, l81) == _RC_PASSING_IDS:
            return Passing(decoder_id, number, transponder, rtc, strength, hits,
                           None, None, host_time_ns, source)
    record = decode_record(frame)
    return record_to_event(record, host_time_ns, source)


def record_to_event(record: P3Record, host_time_ns: int = 0, source: str = "") -> P3Event:
    """Map a generic record onto its event type; unknown record types are returned as they are."""
    decoder_id = record.uint(GeneralField.DECODER_ID)
    if record.tor == Tor.PASSING:
        return _passing(record, decoder_id, host_time_ns, source)
    if record.tor == Tor.STATUS:
        temperature = record.get(StatusField.TEMPERATURE)
        gps = record.uint(StatusField.GPS)
        return DecoderStatus(
            decoder_id=decoder_id or 0,
            noise=record.uint(StatusField.NOISE),
            temperature=int.from_bytes(temperature, "little", signed=True) if temperature else None,
            input_voltage_dv=record.uint(StatusField.INPUT_VOLTAGE),
            gps=None if gps is None else bool(gps),
            host_time_ns=host_time_ns,
            source=source,
        )
    if record.tor == Tor.VERSION:
        return DecoderVersion(
            decoder_id=decoder_id,
            decoder_type=record.uint(VersionField.DECODER_TYPE),
            description=record.text(VersionField.DESCRIPTION),
            version=record.text(VersionField.VERSION),
            release=record.uint(VersionField.RELEASE),
            registration=record.uint(VersionField.REGISTRATION),
            build_number=record.uint(VersionField.BUILD_NUMBER),
            options=record.uint(VersionField.OPTIONS),
            host_time_ns=host_time_ns,
            source=source,
        )
    if record.tor == Tor.ERROR:
        return DecoderErrorReport(
            decoder_id=decoder_id,
            code=record.uint(ErrorField.CODE),
            description=record.text(ErrorField.DESCRIPTION),
            host_time_ns=host_time_ns,
            source=source,
        )
    return record


def _passing(record: P3Record, decoder_id: int | None, host_time_ns: int, source: str) -> Passing:
    number = record.uint(PassingField.PASSING_NUMBER)
    transponder = record.uint(PassingField.TRANSPONDER)
    code = record.get(PassingField.TRAN_CODE)
    if transponder is None and code:
        transponder = code_to_transponder(code)
    rtc = record.uint(PassingField.RTC_TIME)
    utc = record.uint(PassingField.UTC_TIME)
    if number is None or transponder is None or (rtc is None and utc is None):
        raise FrameError(DropReason.BAD_FIELD, "PASSING lacks passing number, transponder or time")
    return Passing(
        decoder_id=decoder_id or 0,
        passing_number=number,
        transponder=transponder,
        decoder_time_us=rtc if rtc is not None else utc,
        strength=record.uint(PassingField.STRENGTH),
        hits=record.uint(PassingField.HITS),
        transponder_code=code.rstrip(b"\x00").decode("ascii", "replace") if code else None,
        utc_time_us=utc,
        host_time_ns=host_time_ns,
        source=source,
    )


def code_to_transponder(code: bytes) -> int:
    """A number for a transponder known only by its printed code (some decoders send no 0x03).

    The code's first eight ASCII bytes, zero-padded, read as one big-endian integer: a printable
    first character puts it far above the u32 range of real transponder numbers, so the two never
    collide, and it stays below 2**63 (an SQLite integer). ``transponder_code`` keeps the text.
    """
    number = int.from_bytes(code.rstrip(b"\x00")[:8].ljust(8, b"\x00"), "big")
    return number if number >= CODE_ONLY_BASE else number + CODE_ONLY_BASE


def passing_record(passing: Passing) -> P3Record:
    """The record an AMB decoder sends for this passing (fields 01 03 [0A] 04 05 06 08 [10] 81)."""
    fields: list[tuple[int, bytes]] = [(PassingField.PASSING_NUMBER, _u(passing.passing_number, 4))]
    if passing.transponder < CODE_ONLY_BASE:
        fields.append((PassingField.TRANSPONDER, _u(passing.transponder, 4)))
    if passing.transponder_code is not None:
        fields.append((PassingField.TRAN_CODE, passing.transponder_code.encode("ascii")))
    fields.append((PassingField.RTC_TIME, _u(passing.decoder_time_us, 8)))
    if passing.strength is not None:
        fields.append((PassingField.STRENGTH, _u(passing.strength, 2)))
    if passing.hits is not None:
        fields.append((PassingField.HITS, _u(passing.hits, 2)))
    fields.append((PassingField.FLAGS, _u(0, 2)))
    if passing.utc_time_us is not None:
        fields.append((PassingField.UTC_TIME, _u(passing.utc_time_us, 8)))
    fields.append((GeneralField.DECODER_ID, _u(passing.decoder_id, 4)))
    return P3Record(Tor.PASSING, tuple(fields))


def encode_passing(passing: Passing) -> bytes:
    """Wire bytes of a PASSING record."""
    return encode_record(passing_record(passing))


def encode_status(status: DecoderStatus) -> bytes:
    """Wire bytes of a STATUS record (fields 01 07 0C 06 81, as AMB RC decoders send them)."""
    fields: list[tuple[int, bytes]] = []
    if status.noise is not None:
        fields.append((StatusField.NOISE, _u(status.noise, 2)))
    if status.temperature is not None:
        fields.append((StatusField.TEMPERATURE, status.temperature.to_bytes(2, "little", signed=True)))
    if status.input_voltage_dv is not None:
        fields.append((StatusField.INPUT_VOLTAGE, _u(status.input_voltage_dv, 1)))
    if status.gps is not None:
        fields.append((StatusField.GPS, _u(int(status.gps), 1)))
    fields.append((GeneralField.DECODER_ID, _u(status.decoder_id, 4)))
    return encode_record(P3Record(Tor.STATUS, tuple(fields)))


def encode_version(version: DecoderVersion) -> bytes:
    """Wire bytes of a VERSION record."""
    fields: list[tuple[int, bytes]] = []
    for field_id, value, size in (
        (VersionField.DECODER_TYPE, version.decoder_type, 1),
        (VersionField.DESCRIPTION, version.description, 0),
        (VersionField.VERSION, version.version, 0),
        (VersionField.RELEASE, version.release, 4),
        (VersionField.REGISTRATION, version.registration, 8),
        (VersionField.BUILD_NUMBER, version.build_number, 2),
        (VersionField.OPTIONS, version.options, 4),
    ):
        if value is None:
            continue
        fields.append((field_id, value.encode("ascii") if isinstance(value, str) else _u(value, size)))
    if version.decoder_id is not None:
        fields.append((GeneralField.DECODER_ID, _u(version.decoder_id, 4)))
    return encode_record(P3Record(Tor.VERSION, tuple(fields)))


def encode_error(error: DecoderErrorReport) -> bytes:
    """Wire bytes of an ERROR record."""
    fields: list[tuple[int, bytes]] = []
    if error.code is not None:
        fields.append((ErrorField.CODE, _u(error.code, 2)))
    if error.description is not None:
        fields.append((ErrorField.DESCRIPTION, error.description.encode("ascii")))
    if error.decoder_id is not None:
        fields.append((GeneralField.DECODER_ID, _u(error.decoder_id, 4)))
    return encode_record(P3Record(Tor.ERROR, tuple(fields)))


def encode_resend(first: int, last: int) -> bytes:
    """A RESEND request for passing numbers ``first`` to ``last`` inclusive."""
    if not 0 <= first <= last <= 0xFFFFFFFF:
        raise ValueError(f"bad resend range {first}..{last}")
    fields = ((ResendField.FROM, _u(first, 4)), (ResendField.UNTIL, _u(last, 4)))
    return encode_record(P3Record(Tor.RESEND, fields))


def resend_range(record: P3Record) -> tuple[int, int]:
    """The inclusive passing-number range a RESEND request asks for."""
    first = record.uint(ResendField.FROM)
    last = record.uint(ResendField.UNTIL)
    if record.tor != Tor.RESEND or first is None or last is None:
        raise FrameError(DropReason.BAD_FIELD, "not a RESEND request with FROM and UNTIL")
    return first, last


def encode_get_time(version: int = DECODER_VERSION) -> bytes:
    """A GET_TIME request naming RTC_TIME, FLAGS and UTC_TIME with zero-length fields (§1.10)."""
    fields = tuple((field, b"") for field in (GetTimeField.RTC_TIME, GetTimeField.FLAGS, GetTimeField.UTC_TIME))
    return encode_record(P3Record(Tor.GET_TIME, fields, version=version))


def _single_frame(wire: bytes) -> bytes:
    """The one checked frame that ``wire`` must consist of; ``FrameError`` otherwise."""
    end, frame, reason = next_frame(wire)
    if frame is None or end != len(wire):
        why = reason or DropReason.TRUNCATED
        raise FrameError(why, f"not exactly one valid P3 frame ({why})")
    return frame


def decode_wire_frame(wire: bytes) -> P3Event:
    """Strictly decode one whole wire frame; ``FrameError`` names what is wrong with it."""
    return decode_event(_single_frame(wire))


def decode_wire_record(wire: bytes) -> P3Record:
    """Strictly decode one whole wire frame into its generic record (for byte-exact round trips)."""
    return decode_record(_single_frame(wire))
