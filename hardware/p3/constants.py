"""P3 wire constants: frame bytes, record types (TOR) and field ids (spec sheet §1.2-§1.10)."""

from __future__ import annotations

import enum

SOR = 0x8E  # start of record
EOR = 0x8F  # end of record
ESC = 0x8D  # escape prefix: a byte in ESCAPED is sent as ESC, byte + ESCAPE_OFFSET
ESCAPE_OFFSET = 0x20
ESCAPED = frozenset((ESC, SOR, EOR))  # real decoders escape exactly these three (§1.2)

HEADER_SIZE = 10
MIN_FRAME_SIZE = HEADER_SIZE + 1
DECODER_VERSION = 2  # VERSION byte in every decoder-sent frame
MAX_WIRE_FRAME = 2048  # more bytes than this without an EOR means the frame is lost


class Tor(enum.IntEnum):
    """Type of record, the u16 at header offset 8."""

    RESET = 0x0000
    PASSING = 0x0001
    STATUS = 0x0002
    VERSION = 0x0003
    RESEND = 0x0004
    CLEAR_PASSING = 0x0005
    SERVER_SETTINGS = 0x0013
    SESSION = 0x0015
    NETWORK_SETTINGS = 0x0016
    WATCHDOG = 0x0018
    PING = 0x0020
    GET_TIME = 0x0024
    GENERAL_SETTINGS = 0x0028
    SIGNALS = 0x002D
    LOOP_TRIGGER = 0x002F
    GPS_INFO = 0x0030
    FIRST_CONTACT = 0x0045
    TIMELINE = 0x004A
    ERROR = 0xFFFF


class GeneralField(enum.IntEnum):
    """Fields that may appear in any record."""

    DECODER_ID = 0x81
    CONTROLLER_ID = 0x83
    REQUEST_ID = 0x85


class PassingField(enum.IntEnum):
    """Fields of a PASSING record (§1.7)."""

    PASSING_NUMBER = 0x01
    TRANSPONDER = 0x03
    RTC_TIME = 0x04
    STRENGTH = 0x05
    HITS = 0x06
    FLAGS = 0x08
    TRAN_CODE = 0x0A
    USER_FLAG = 0x0E
    DRIVER_ID = 0x0F
    UTC_TIME = 0x10
    RTC_ID = 0x13
    SPORT = 0x14
    VOLTAGE = 0x30
    TEMPERATURE = 0x31


class StatusField(enum.IntEnum):
    """Fields of a STATUS record (§1.8)."""

    NOISE = 0x01
    GPS = 0x06
    TEMPERATURE = 0x07
    SATINUSE = 0x0A
    LOOP_TRIGGERS = 0x0B
    INPUT_VOLTAGE = 0x0C


class VersionField(enum.IntEnum):
    """Fields of a VERSION record (§1.9)."""

    DECODER_TYPE = 0x01
    DESCRIPTION = 0x02
    VERSION = 0x03
    RELEASE = 0x04
    REGISTRATION = 0x08
    BUILD_NUMBER = 0x0A
    OPTIONS = 0x0C


class ResendField(enum.IntEnum):
    """Fields of a RESEND request: the inclusive range of passing numbers wanted again."""

    FROM = 0x01
    UNTIL = 0x02


class ErrorField(enum.IntEnum):
    """Fields of an ERROR record."""

    CODE = 0x01
    DESCRIPTION = 0x02


class GetTimeField(enum.IntEnum):
    """Fields named (with zero length) in a GET_TIME request and filled in its answer."""

    RTC_TIME = 0x01
    FLAGS = 0x04
    UTC_TIME = 0x05
