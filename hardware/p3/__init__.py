"""MyLaps/AMB P3 binary protocol: framing, records and encoders (spec sheet §1)."""

from hardware.p3.constants import Tor
from hardware.p3.frame import P3Record, decode_record, encode_record, next_frame, step_frame
from hardware.p3.records import (
    decode_event,
    decode_wire_frame,
    decode_wire_record,
    encode_error,
    encode_get_time,
    encode_passing,
    encode_resend,
    encode_status,
    encode_version,
    record_to_event,
    resend_range,
)

__all__ = [
    "P3Record",
    "Tor",
    "decode_event",
    "decode_record",
    "decode_wire_frame",
    "decode_wire_record",
    "encode_error",
    "encode_get_time",
    "encode_passing",
    "encode_record",
    "encode_resend",
    "encode_status",
    "encode_version",
    "next_frame",
    "step_frame",
    "record_to_event",
    "resend_range",
]
