"""The AMB CRC-16: known answers, and the fast form equals AMB's documented table form."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hardware.crc import TABLE, amb_crc16, amb_crc16_reference


def test_table_check_values_from_spec():
    assert (TABLE[1], TABLE[0x80], TABLE[255]) == (0x1021, 0x9188, 0x1EF0)


def test_known_answers():
    assert amb_crc16(b"123456789") == 0xA69D
    assert amb_crc16(b"") == 0xFFFF


def test_worked_example_from_spec_sheet():
    frame = bytes.fromhex(
        "8e02330000000000010001047c680200030473d75600040888287"
        "8f31e830500050 2b200 06021f00 08020000 81041318 0400 8f".replace(" ", "")
    )
    assert amb_crc16(frame) == 0x408E


def test_is_not_ccitt_false():
    # CRC-16/CCITT-FALSE of "123456789" is 0x29B1; mixing the two up is the likeliest bug.
    assert amb_crc16(b"123456789") != 0x29B1


@given(st.binary(max_size=300))
def test_fast_form_matches_reference(data):
    assert amb_crc16(data) == amb_crc16_reference(data)
